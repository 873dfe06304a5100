// The framework-free live client: one Connection per tab, Subscriptions over it.
export { FullJitterBackoff, RECONNECT_BACKOFF, type BackoffPolicy } from "./backoff";
export { systemClock, type Clock } from "./clock";
export {
  Connection,
  type ConnectionOptions,
  type ConnectionState,
  type ConnectionStatus,
  type WebSocketLike,
} from "./connection";
export { ObservableValue, type ReadonlyObservable } from "./observable";
export * from "./protocol";
export {
  Subscriptions,
  WindowSubscription,
  type LiveTransport,
  type SubscriptionSnapshot,
  type SubscriptionSpec,
  type SubscriptionsOptions,
} from "./subscriptions";
export { alwaysVisible, documentVisibility, type VisibilitySource } from "./visibility";
export { planWindow, windowAround, WINDOW_POLICY, type VisibleRange, type WindowPolicy } from "./window";
