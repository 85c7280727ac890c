// A JSON response body decoded at the boundary: the same reading and the same error for every operation of the OAuth
// client and for the startup path's refresh (`RefreshGrant`), synchronous so that a caller without the Effect runtime
// can run it.
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { MalformedResponse, type Operation } from "../OAuthError.ts"

/** The body as JSON (any value), or why not. */
export const parseJson = Schema.decodeUnknownEither(Schema.parseJson())

const describeIssues = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => {
    const path = issue.path.length === 0 ? "the body" : issue.path.map(String).join(".")
    // Only paths and kinds: a parse message would quote the offending (possibly secret) value.
    return issue._tag === "Missing" ? `${path} is missing` : `${path} is invalid`
  })
  return Array.from(new Set(issues)).join(", ")
}

/** `body` as `schema` (a synchronous one) decodes it, or the `MalformedResponse` that says why not. */
export const decodeEither = <A, I>(
  operation: Operation,
  schema: Schema.Schema<A, I>,
  body: string
): Either.Either<A, MalformedResponse> => {
  const json = parseJson(body)
  if (Either.isLeft(json)) {
    return Either.left(new MalformedResponse({ operation, reason: "the body is not valid JSON" }))
  }
  return Either.mapLeft(
    Schema.decodeUnknownEither(schema)(json.right),
    (error) => new MalformedResponse({ operation, reason: describeIssues(error) })
  )
}
