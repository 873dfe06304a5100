import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { createLiveClient, LiveClientContext } from "./app/liveClient";
import { SignInGate } from "./app/SignInGate";
import "./app.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");

/** The live client is created once, after any sign-in (its socket needs the session). */
function LiveApp() {
  const [client] = useState(createLiveClient);
  return (
    <LiveClientContext.Provider value={client}>
      <App />
    </LiveClientContext.Provider>
  );
}

createRoot(root).render(
  <StrictMode>
    <SignInGate>
      <LiveApp />
    </SignInGate>
  </StrictMode>,
);
