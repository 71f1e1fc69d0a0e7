// The store and actions reach components through one context (created once in main.tsx).
import { createContext, useContext } from 'react';
import type { Actions } from './actions';
import { useStore, type AppState } from './store';

export const AppContext = createContext<Actions | null>(null);

export function useActions(): Actions {
  const a = useContext(AppContext);
  if (!a) throw new Error('AppContext is missing');
  return a;
}

/** A slice of the app state (see useStore: the selector must return a stable value). */
export function useAppState<T>(selector: (s: AppState) => T): T {
  return useStore(useActions().store, selector);
}
