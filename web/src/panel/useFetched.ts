// One GET per URL change, cancelled on change/unmount: data, the error as the UI shows it, and
// the HTTP status of a failure (tabs hide themselves on 404 from endpoints a server may lack).

import { useCallback, useEffect, useState } from "react";
import { fetchJson, fetchText } from "../app/api";
import { errorStatus, errorText } from "./http";

export interface Fetched<T> {
  data: T | null;
  error: string | null;
  status: number | null;
  loading: boolean;
  reload: () => void;
}

export function useFetched<T>(url: string | null, as: "json" | "text" = "json"): Fetched<T> {
  const [state, setState] = useState<{ url: string | null; data: T | null; error: string | null; status: number | null }>({
    url: null,
    data: null,
    error: null,
    status: null,
  });
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  useEffect(() => {
    if (!url) return;
    const abort = new AbortController();
    const load = as === "json" ? fetchJson<T>(url, abort.signal) : (fetchText(url, abort.signal) as Promise<T>);
    load
      .then((data) => setState({ url, data, error: null, status: 200 }))
      .catch((reason: unknown) => {
        if (!abort.signal.aborted) setState({ url, data: null, error: errorText(reason), status: errorStatus(reason) });
      });
    return () => abort.abort();
  }, [url, as, generation]);
  const current = state.url === url;
  return {
    data: current ? state.data : null,
    error: current ? state.error : null,
    status: current ? state.status : null,
    loading: url !== null && !current,
    reload,
  };
}
