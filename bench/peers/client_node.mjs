// `client-node`: @kubernetes/client-node's informer on pods (the pinned 1.x runs on Node 20).
// The informer's list function pages at 500 (as every other peer does) and returns the
// whole V1PodList; the time is until `start()` resolves (list done, every object added to
// the informer's cache, the watch request answered), with "add" events counted.
//
//   node --expose-gc bench/peers/client_node.mjs KUBECONFIG
//
// Prints one JSON line: {seconds, objects, pages, watch, rss_mb} (RSS from /proc/self/statm
// after a full GC, with the informer's cache still held).
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';

const PAGE = 500;
const kubeconfig = process.argv[2];

function rssMb() {
  const pages = Number(readFileSync('/proc/self/statm', 'utf8').split(' ')[1]);
  return (pages * 4096) / 1e6;
}

if (globalThis.gc) globalThis.gc();
const rssBefore = rssMb(); // runtime + the client's imports
const start = performance.now();
const kc = new k8s.KubeConfig();
kc.loadFromFile(kubeconfig);
kc.setCurrentContext('admin');
const api = kc.makeApiClient(k8s.CoreV1Api);
let pages = 0;
const listFn = async () => {
  const items = [];
  let metadata;
  let cont;
  do {
    const page = await api.listPodForAllNamespaces({ limit: PAGE, _continue: cont });
    pages += 1;
    for (const item of page.items) items.push(item);
    metadata = page.metadata;
    cont = metadata?._continue;
  } while (cont);
  return { apiVersion: 'v1', kind: 'PodList', items, metadata };
};
const informer = k8s.makeInformer(kc, '/api/v1/pods', listFn);
let added = 0;
let stopping = false;
informer.on('add', () => {
  added += 1;
});
informer.on('error', (err) => {
  if (stopping) return; // stop() aborts the watch request, which reports as an error
  console.error(`informer error: ${err?.message ?? err}`);
  process.exit(2);
});
await informer.start();
const seconds = (performance.now() - start) / 1000;
if (globalThis.gc) globalThis.gc();
const rss = rssMb();
const cached = informer.list().length;
console.log(JSON.stringify({ seconds, objects: added, cached, pages, watch: true, rss_mb: rss, rss_before_mb: rssBefore }));
stopping = true;
await informer.stop();
process.exit(0);
