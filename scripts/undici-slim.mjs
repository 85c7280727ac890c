// What the bundles take of undici (scripts/bundle.mjs resolves `undici` here): the dispatchers the §12 client builds
// (NodeHttpClient: Agent, EnvHttpProxyAgent) and what @effect/platform-node's undici client calls on them (the
// Dispatcher API, the global dispatcher), without undici's index, which loads fetch, WebSocket, cookies, caches and
// mocks — and through them Node's own copy of undici — on every cold start that makes a request. Each module is the
// file the index loads; the index's one side effect the API needs (the Dispatcher methods) is done here too.
import api from "undici/lib/api/index.js"
import errors from "undici/lib/core/errors.js"
import Agent from "undici/lib/dispatcher/agent.js"
import Dispatcher from "undici/lib/dispatcher/dispatcher.js"
import EnvHttpProxyAgent from "undici/lib/dispatcher/env-http-proxy-agent.js"
import global from "undici/lib/global.js"

Object.assign(Dispatcher.prototype, api)

export const { getGlobalDispatcher, setGlobalDispatcher } = global
export { Agent, Dispatcher, EnvHttpProxyAgent, errors }
export default { Agent, Dispatcher, EnvHttpProxyAgent, errors, getGlobalDispatcher, setGlobalDispatcher }
