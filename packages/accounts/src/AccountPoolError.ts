/**
 * Typed failures of the account pool. Messages list what is wrong with each account and what to do next; they never
 * carry a token.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"

/**
 * Why one account could not serve, as `NoAccountAvailable` reports it.
 *
 * @since 0.1.0
 * @category models
 */
export const Unavailable: Schema.Struct<{
  name: typeof Schema.String
  state: Schema.Literal<["cooling-down", "needs-login", "failing"]>
  until: Schema.optional<typeof Schema.Number>
  reason: Schema.optional<typeof Schema.String>
}> = Schema.Struct({
  name: Schema.String,
  state: Schema.Literal("cooling-down", "needs-login", "failing"),
  /** Epoch milliseconds: end of the cooldown, or the next retry. */
  until: Schema.optional(Schema.Number),
  reason: Schema.optional(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export type Unavailable = typeof Unavailable.Type

const describeUnavailable = (entry: Unavailable): string => {
  const at = entry.until === undefined ? "" : new Date(entry.until).toISOString()
  switch (entry.state) {
    case "cooling-down":
      return `${entry.name}: cooling down until ${at}`
    case "needs-login":
      return `${entry.name}: needs login (${entry.reason ?? "no usable credentials"})`
    case "failing":
      return `${entry.name}: refresh failing (${entry.reason ?? "transient error"}), retry after ${at}`
  }
}

/**
 * No account of the pool can serve the request. The message lists every account and why.
 *
 * @since 0.1.0
 * @category errors
 */
export class NoAccountAvailable extends Schema.TaggedError<NoAccountAvailable>(
  "@codex-auth/core/NoAccountAvailable"
)("NoAccountAvailable", {
  accounts: Schema.Array(Unavailable),
  /** The account the caller asked for, when it asked for one. */
  requested: Schema.optional(Schema.String)
}) {
  override get message(): string {
    if (this.accounts.length === 0) {
      return "The account pool has no accounts. Add one with `codex-auth login --account NAME`."
    }
    const which = this.requested === undefined
      ? "No account in the pool can serve a request now"
      : `The account ${this.requested} cannot serve a request now`
    const advice = [
      this.accounts.some((a) => a.state === "cooling-down") ? "wait for the cooldown to end" : undefined,
      this.accounts.some((a) => a.state === "needs-login")
        ? "sign in again with `codex-auth login --account NAME`"
        : undefined,
      this.accounts.some((a) => a.state === "failing") ? "check the network and the issuer, then retry" : undefined,
      this.requested === undefined ? "or add another account" : "or let the pool choose another account"
    ].filter((part) => part !== undefined).join(", ")
    return `${which}: ${this.accounts.map(describeUnavailable).join("; ")}. ` +
      `To continue: ${advice}.`
  }
}

/**
 * The pool has no account of that name.
 *
 * @since 0.1.0
 * @category errors
 */
export class AccountNotFound extends Schema.TaggedError<AccountNotFound>("@codex-auth/accounts/AccountNotFound")(
  "AccountNotFound",
  { name: Schema.String, known: Schema.Array(Schema.String) }
) {
  override get message(): string {
    const known = this.known.length === 0 ? "it has none" : `it has ${this.known.join(", ")}`
    return `The account pool has no account named "${this.name}" (${known}). ` +
      "Add it with `codex-auth login --account NAME`, or check the name."
  }
}

/**
 * An account of that name is already in the pool.
 *
 * @since 0.1.0
 * @category errors
 */
export class DuplicateAccount extends Schema.TaggedError<DuplicateAccount>("@codex-auth/accounts/DuplicateAccount")(
  "DuplicateAccount",
  { name: Schema.String }
) {
  override get message(): string {
    return `The account pool already has an account named "${this.name}". Choose another name, or remove that one first.`
  }
}
