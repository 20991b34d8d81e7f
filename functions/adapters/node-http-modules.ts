/**
 * `node:http` and `node:https` as their CommonJS objects, without an ESM import. An ESM import of
 * a built-in builds a facade that reads every export once, and `node:http`'s lazy `WebSocket`,
 * `CloseEvent` and `MessageEvent` getters then load all of Node's bundled undici: ~70 ms of CPU at
 * every cold start of the Lambda (and at every local start) for classes the proxy never uses
 * (nodejs/node#57649, #59686). Type imports from `node:http` cost nothing and stay as they are.
 */
export const http = process.getBuiltinModule('node:http');
export const https = process.getBuiltinModule('node:https');
