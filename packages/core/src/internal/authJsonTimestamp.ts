// `last_refresh` is a chrono `DateTime<Utc>` on the Codex side: RFC 3339, written in UTC with `Z` and as many
// fractional digits as needed (none, 3, 6 or 9), read with any offset.
// Plain TypeScript (no `effect`): the startup fast paths read `last_refresh` with this code too.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** Epoch milliseconds of an RFC 3339 timestamp (sub-millisecond digits truncated), or none when it is not one. */
export const parseTimestamp = (text: string): number | undefined => {
  const match = RFC3339.exec(text)
  if (match === null) return undefined
  const [, y, mo, d, h, mi, s, fraction, , sign, offsetHours, offsetMinutes] = match
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  // chrono accepts a leap second (60) and folds it into the same second.
  const second = Math.min(Number(s), 59)
  if (
    month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 ||
    Number(s) > 60
  ) return undefined
  let offset = 0
  if (sign !== undefined) {
    const oh = Number(offsetHours)
    const om = Number(offsetMinutes)
    if (oh > 23 || om > 59) return undefined
    offset = (sign === "-" ? -1 : 1) * (oh * 60 + om) * 60_000
  }
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, "0"))
  const date = new Date(0)
  // setUTCFullYear keeps years 0..99 literal, where Date.UTC would map them to 1900..1999.
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, millis)
  return date.getTime() - offset
}

const pad = (value: number, width: number): string => String(value).padStart(width, "0")

/**
 * Formats epoch milliseconds the way chrono serialises a `DateTime<Utc>` with that precision: UTC, `Z`, and the
 * fraction only when it is non-zero (`…:32Z` or `…:32.564Z`).
 */
export const formatTimestamp = (epochMillis: number): string => {
  const date = new Date(epochMillis)
  const millis = date.getUTCMilliseconds()
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}T` +
    `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}` +
    `${millis === 0 ? "" : `.${pad(millis, 3)}`}Z`
}
