// A value that notifies its listeners when it changes; shaped for React's useSyncExternalStore
// (`subscribe` returns the unsubscribe function, `get` returns a stable snapshot).

export type Listener = () => void;

export interface ReadonlyObservable<T> {
  get(): T;
  subscribe(listener: Listener): () => void;
}

export class ObservableValue<T> implements ReadonlyObservable<T> {
  private readonly listeners = new Set<Listener>();

  constructor(private value: T) {}

  get = (): T => this.value;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  set(value: T): void {
    if (Object.is(value, this.value)) return;
    this.value = value;
    for (const listener of [...this.listeners]) listener();
  }
}
