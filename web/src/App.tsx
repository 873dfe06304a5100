// The app shell: header with the connection indicator and the cluster picker, then the view.

import { useState } from "react";
import { ClusterPicker, lastCluster } from "./app/ClusterPicker";
import { ConnectionIndicator } from "./app/ConnectionIndicator";
import { useLiveClient } from "./app/liveClient";
import { PodsView } from "./app/PodsView";

export function App() {
  const { connection, subscriptions } = useLiveClient();
  const [cluster, setCluster] = useState(lastCluster);

  return (
    <div className="app">
      <header className="app-header">
        <h1>masthead</h1>
        <ClusterPicker value={cluster} onChange={setCluster} />
        <div className="spacer" />
        <ConnectionIndicator connection={connection} />
      </header>
      <main className="app-main">
        {cluster ? (
          <PodsView key={cluster} subscriptions={subscriptions} cluster={cluster} />
        ) : (
          <p className="empty">Choose a cluster.</p>
        )}
      </main>
    </div>
  );
}
