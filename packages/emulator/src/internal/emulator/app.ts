// The emulator's HttpApp: one shared state (state.ts), each route group in its own module over it, and the routes.
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as Effect from "effect/Effect"
import type * as Emulator from "../../Emulator.ts"
import * as Admin from "./admin.ts"
import * as Agent from "./agent.ts"
import * as ApiKey from "./apiKey.ts"
import * as Authorize from "./authorize.ts"
import * as Backend from "./backend.ts"
import * as BackendAuth from "./backendAuth.ts"
import * as Device from "./device.ts"
import * as Faults from "./faults.ts"
import { json } from "./reply.ts"
import * as RequestLog from "./requestLog.ts"
import * as Revoke from "./revoke.ts"
import * as State from "./state.ts"
import * as Token from "./token.ts"
import * as Tokens from "./tokens.ts"

export const make = (options: Emulator.EmulatorOptions = {}): Effect.Effect<Emulator.Emulator.Service> =>
  Effect.gen(function*() {
    const shared = yield* State.make(options)
    const tokens = Tokens.make(shared)
    const { authorize, consent } = Authorize.make(shared, tokens)
    const { token } = Token.make(shared, tokens, ApiKey.make(shared))
    const { revoke } = Revoke.make(shared, tokens)
    const device = Device.make(shared, tokens)
    const { deviceCallback, devicePageGet, devicePagePost, deviceToken, usercode } = device
    const agent = Agent.make(shared)
    const { agentIdentityJwksEndpoint, registerTask } = agent
    const backendAuth = BackendAuth.make(shared)
    const { backend } = backendAuth
    const { endpoint } = RequestLog.make(shared, Faults.make(shared))
    const { adminRouter, service } = Admin.make(shared, tokens, device, agent, backendAuth)

    const router = HttpRouter.empty.pipe(
      HttpRouter.get("/oauth/authorize", endpoint(authorize)),
      HttpRouter.post("/oauth/authorize/consent", endpoint(consent)),
      HttpRouter.post("/oauth/token", endpoint(token)),
      HttpRouter.post("/oauth/revoke", endpoint(revoke)),
      HttpRouter.post("/api/accounts/deviceauth/usercode", endpoint(usercode)),
      HttpRouter.post("/api/accounts/deviceauth/token", endpoint(deviceToken)),
      HttpRouter.get("/codex/device", endpoint(devicePageGet)),
      HttpRouter.post("/codex/device", endpoint(devicePagePost)),
      HttpRouter.get("/deviceauth/callback", endpoint(deviceCallback)),
      HttpRouter.get("/codex-backend/agent-identity/agent-identities/jwks", endpoint(agentIdentityJwksEndpoint)),
      HttpRouter.get("/backend-api/wham/agent-identities/jwks", endpoint(agentIdentityJwksEndpoint)),
      HttpRouter.post("/api/accounts/v1/agent/:runtimeId/task/register", endpoint(registerTask)),
      HttpRouter.get(Backend.paths.accountsCheck, endpoint(backend.accountsCheck)),
      HttpRouter.get(Backend.paths.models, endpoint(backend.models)),
      HttpRouter.post(Backend.paths.responses, endpoint(backend.responses))
    )

    const notFound = endpoint(() =>
      Effect.succeed(json(404, { error: "not_found", error_description: "No such endpoint." }))
    )
    const app: HttpApp.Default = HttpRouter.concat(router, adminRouter).pipe(
      Effect.catchTag("RouteNotFound", () => notFound)
    )

    return { ...service, app }
  })
