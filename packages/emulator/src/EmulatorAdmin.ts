/**
 * A typed client for the emulator's admin API (`/__emulator/…`) over `HttpClient`, so a test can drive an
 * emulator running in another process: read the request log, approve or deny device codes, inject faults,
 * revoke tokens, mint token sets, change settings and reset.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import {
  DeviceCodeInfo,
  EmulatorSettings,
  type EmulatorSettingsPatch,
  Fault,
  MintedTokens,
  type MintRequest,
  type RejectTarget,
  RequestLogEntry,
  type RevokeTarget
} from "./Emulator.ts"

/** An admin request failed: the emulator is unreachable, answered an error, or answered something unexpected. */
export class EmulatorAdminRequestError extends Schema.TaggedError<EmulatorAdminRequestError>()(
  "EmulatorAdminRequestError",
  {
    operation: Schema.String,
    status: Schema.optional(Schema.Number),
    reason: Schema.String
  }
) {
  override get message(): string {
    return `Emulator admin request "${this.operation}" failed${
      this.status === undefined ? "" : ` with HTTP ${this.status}`
    }: ${this.reason}. Check that the emulator is running at the URL the admin client was given.`
  }
}

/** @since 0.1.0 */
export class EmulatorAdmin
  extends Context.Tag("@codex-auth/emulator/EmulatorAdmin")<EmulatorAdmin, EmulatorAdmin.Service>()
{}

/** @since 0.1.0 */
export declare namespace EmulatorAdmin {
  /** @since 0.1.0 */
  export interface Service {
    /** The emulator's base URL, e.g. `http://127.0.0.1:41234`. */
    readonly baseUrl: string
    readonly requests: Effect.Effect<ReadonlyArray<RequestLogEntry>, EmulatorAdminRequestError>
    readonly clearRequests: Effect.Effect<void, EmulatorAdminRequestError>
    readonly deviceCodes: Effect.Effect<ReadonlyArray<DeviceCodeInfo>, EmulatorAdminRequestError>
    /**
     * Waits (polling every 50 ms, up to `timeout`) until a device code is pending. The default, 60 s, leaves room for
     * the CLI process that asks for the code to start on a busy machine.
     */
    readonly awaitPendingDeviceCode: (
      timeout?: Duration.DurationInput
    ) => Effect.Effect<DeviceCodeInfo, EmulatorAdminRequestError>
    readonly approveDeviceCode: (userCode: string, email?: string) => Effect.Effect<void, EmulatorAdminRequestError>
    readonly denyDeviceCode: (userCode: string) => Effect.Effect<void, EmulatorAdminRequestError>
    readonly faults: Effect.Effect<ReadonlyArray<Fault>, EmulatorAdminRequestError>
    readonly addFault: (fault: Fault) => Effect.Effect<void, EmulatorAdminRequestError>
    readonly clearFaults: Effect.Effect<void, EmulatorAdminRequestError>
    /** Revokes refresh token families (one family, a token's family, or all of a user's); answers how many. */
    readonly revoke: (target: RevokeTarget) => Effect.Effect<number, EmulatorAdminRequestError>
    /** Makes the backend routes answer 401 to the access tokens minted so far (all, a family's or a user's). */
    readonly rejectAccessTokens: (target?: RejectTarget) => Effect.Effect<number, EmulatorAdminRequestError>
    readonly mintTokens: (request?: MintRequest) => Effect.Effect<MintedTokens, EmulatorAdminRequestError>
    readonly settings: Effect.Effect<EmulatorSettings, EmulatorAdminRequestError>
    readonly updateSettings: (
      patch: EmulatorSettingsPatch
    ) => Effect.Effect<EmulatorSettings, EmulatorAdminRequestError>
    readonly reset: Effect.Effect<void, EmulatorAdminRequestError>
  }
}

const Requests = Schema.Struct({ requests: Schema.Array(RequestLogEntry) })
const DeviceCodes = Schema.Struct({ deviceCodes: Schema.Array(DeviceCodeInfo) })
const Faults = Schema.Struct({ faults: Schema.Array(Fault) })
const Revoked = Schema.Struct({ revoked: Schema.Number })
const Rejected = Schema.Struct({ rejected: Schema.Number })
const Ignored = Schema.Unknown
const AdminErrorBody = Schema.Struct({ message: Schema.String })

/**
 * A client for the emulator at `baseUrl`.
 *
 * @since 0.1.0
 */
export const make = (baseUrl: string): Effect.Effect<EmulatorAdmin.Service, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const root = baseUrl.replace(/\/+$/, "")
    const client = yield* HttpClient.HttpClient

    const call = <A, I>(
      operation: string,
      request: HttpClientRequest.HttpClientRequest,
      schema: Schema.Schema<A, I>
    ): Effect.Effect<A, EmulatorAdminRequestError> =>
      client.execute(request).pipe(
        Effect.timeout(Duration.seconds(10)),
        Effect.mapError((error) => new EmulatorAdminRequestError({ operation, reason: error.message })),
        Effect.flatMap((response) =>
          response.status >= 200 && response.status < 300
            ? HttpClientResponse.schemaBodyJson(schema)(response).pipe(
              Effect.mapError((error) =>
                new EmulatorAdminRequestError({
                  operation,
                  status: response.status,
                  reason: `unexpected response body (${error._tag})`
                })
              )
            )
            : HttpClientResponse.schemaBodyJson(AdminErrorBody)(response).pipe(
              Effect.map((body) => body.message),
              Effect.orElseSucceed(() => "the emulator answered an error"),
              Effect.flatMap((reason) => new EmulatorAdminRequestError({ operation, status: response.status, reason }))
            )
        ),
        Effect.scoped
      )

    const get = <A, I>(operation: string, path: string, schema: Schema.Schema<A, I>) =>
      call(operation, HttpClientRequest.get(`${root}${path}`), schema)
    const send = <A, I>(
      operation: string,
      method: "POST" | "PATCH" | "DELETE",
      path: string,
      body: unknown,
      schema: Schema.Schema<A, I>
    ) =>
      call(
        operation,
        HttpClientRequest.make(method)(`${root}${path}`).pipe(HttpClientRequest.bodyUnsafeJson(body)),
        schema
      )

    const deviceCodes = Effect.map(get("device codes", "/__emulator/device-codes", DeviceCodes), (b) => b.deviceCodes)

    return {
      baseUrl: root,
      requests: Effect.map(get("requests", "/__emulator/requests", Requests), (b) => b.requests),
      clearRequests: Effect.asVoid(send("clear requests", "DELETE", "/__emulator/requests", {}, Ignored)),
      deviceCodes,
      awaitPendingDeviceCode: (timeout = Duration.seconds(60)) =>
        deviceCodes.pipe(
          Effect.flatMap((codes) => {
            const pending = codes.find((code) => code.status === "pending")
            return pending === undefined
              ? new EmulatorAdminRequestError({
                operation: "await pending device code",
                reason: "no device code became pending in time"
              })
              : Effect.succeed(pending)
          }),
          Effect.retry({
            schedule: Schedule.spaced(Duration.millis(50)),
            until: (error) => error.status !== undefined
          }),
          Effect.timeoutFail({
            duration: timeout,
            onTimeout: () =>
              new EmulatorAdminRequestError({
                operation: "await pending device code",
                reason: "no device code became pending in time"
              })
          })
        ),
      approveDeviceCode: (userCode, email) =>
        Effect.asVoid(
          send("approve device code", "POST", "/__emulator/device-codes/approve", { userCode, email }, Ignored)
        ),
      denyDeviceCode: (userCode) =>
        Effect.asVoid(send("deny device code", "POST", "/__emulator/device-codes/deny", { userCode }, Ignored)),
      faults: Effect.map(get("faults", "/__emulator/faults", Faults), (b) => b.faults),
      addFault: (fault) =>
        Effect.asVoid(send("add fault", "POST", "/__emulator/faults", Schema.encodeSync(Fault)(fault), Ignored)),
      clearFaults: Effect.asVoid(send("clear faults", "DELETE", "/__emulator/faults", {}, Ignored)),
      revoke: (target) => Effect.map(send("revoke", "POST", "/__emulator/revoke", target, Revoked), (b) => b.revoked),
      rejectAccessTokens: (target = {}) =>
        Effect.map(
          send("reject access tokens", "POST", "/__emulator/reject-access-tokens", target, Rejected),
          (b) => b.rejected
        ),
      mintTokens: (request = {}) => send("mint tokens", "POST", "/__emulator/tokens", request, MintedTokens),
      settings: get("settings", "/__emulator/settings", EmulatorSettings),
      updateSettings: (patch) => send("update settings", "PATCH", "/__emulator/settings", patch, EmulatorSettings),
      reset: Effect.asVoid(send("reset", "POST", "/__emulator/reset", {}, Ignored))
    }
  })

/**
 * The admin client as a layer.
 *
 * @since 0.1.0
 */
export const layer = (baseUrl: string): Layer.Layer<EmulatorAdmin, never, HttpClient.HttpClient> =>
  Layer.effect(EmulatorAdmin, make(baseUrl))
