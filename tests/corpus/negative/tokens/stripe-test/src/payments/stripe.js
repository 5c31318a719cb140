// Test-mode keys only: they cannot move money.
const stripe = require("stripe")(process.env.STRIPE_SECRET_KEY || "sk_test_NZq9GCvgrEF2PK78Qu61wuOQRnnD08EK6UbLZ9Clwm880RLuBtDQQUjJDvnGyCDzkCTfBrk5qZXKQRmfV1toLK88oW5wnSILXWA");

// Publishable keys are public by design (they ship in the browser bundle).
export const PUBLISHABLE_KEY = "pk_live_rWKie2TROmVlWjpukZmP0pBROOrM3mEcUzzvdes1cfX4Go1L178HeCT3O7f3KQZQv0x82t5uFKNotfmhcDT7Pugc1zUVjQnqpZ8";
export const PUBLISHABLE_KEY_TEST = "pk_test_FtOdZTHo9lPgVUKld92h490lSZt2FoWNvnt1AGmPbygwkTPoDcnMtSrnNlRHAr1Uq3Ee9h6waeqXIeYM2jnPfpHNaXgLjuRtiFl";

module.exports = stripe;
