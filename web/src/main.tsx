import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { createLiveClient, LiveClientContext } from "./app/liveClient";
import "./app.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");

createRoot(root).render(
  <StrictMode>
    <LiveClientContext.Provider value={createLiveClient()}>
      <App />
    </LiveClientContext.Provider>
  </StrictMode>,
);
