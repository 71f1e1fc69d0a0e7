// Ambient types for the renderer: Vite's client types (CSS imports, import.meta.env).
// window.icmDesktop (the Electron preload) is declared in ./bridge.
/// <reference types="vite/client" />

export {};
