/**
 * The headers a request to the ChatGPT backend carries (PROTOCOL.md §11): `Authorization: Bearer …`,
 * `ChatGPT-Account-ID`, `originator`, the Codex `User-Agent`, and `X-OpenAI-Fedramp: true` when the account says so.
 *
 * @since 0.1.0
 */
import * as Headers from "@effect/platform/Headers"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as rules from "./internal/plainRules.ts"

/**
 * The ChatGPT backend the tokens are for.
 *
 * @since 0.1.0
 * @category constants
 */
export const backendBaseUrl: string = "https://chatgpt.com/backend-api/codex"

/**
 * Header names whose values are secrets: register them with `Headers.currentRedactedNames` (the session does).
 *
 * @since 0.1.0
 * @category constants
 */
export const redactedNames: ReadonlyArray<string> = ["authorization"]

/**
 * What the `User-Agent` is made of.
 *
 * @since 0.1.0
 * @category models
 */
export interface UserAgentInfo extends rules.UserAgentInfo {}

/**
 * `{originator}/{version} ({os} {os_version}; {arch}) {terminal}`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const userAgent = (info: UserAgentInfo): string => rules.userAgent(info)

/**
 * @since 0.1.0
 * @category models
 */
export interface Input {
  /** The access token (ChatGPT mode) or the API key (API-key mode). */
  readonly bearer: Redacted.Redacted<string>
  /** `tokens.account_id`; none in API-key mode. */
  readonly accountId: Option.Option<string>
  /** The `chatgpt_account_is_fedramp` claim. */
  readonly fedramp: boolean
  readonly originator: string
  readonly userAgent: string
}

/**
 * The headers of §11. The bearer is unwrapped here, at the edge where it is sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (input: Input): Headers.Headers =>
  Headers.unsafeFromRecord(rules.headerRecord({
    bearer: Redacted.value(input.bearer),
    accountId: Option.getOrUndefined(input.accountId),
    fedramp: input.fedramp,
    originator: input.originator,
    userAgent: input.userAgent
  }))
