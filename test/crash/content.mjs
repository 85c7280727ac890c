// The deterministic content of write `n` of round `round`: a valid auth.json of a size that varies from write to
// write (a few hundred bytes to ~40 KB), so a torn or mixed file can never pass for another write.
export const contentOf = (round, n) =>
  JSON.stringify(
    {
      auth_mode: "apikey",
      OPENAI_API_KEY: `sk-round-${round}-write-${n}`,
      padding: "x".repeat(((round * 7919 + n * 104_729) % 40_000) + 1)
    },
    null,
    2
  )
