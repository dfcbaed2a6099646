// Issue #12: a main file the verifier cannot read (status `error`: truncated,
// damaged, not a PDF) is held for review, whatever the section allows.
import { describe, expect, it } from "vitest";
import { deliveryState, type SectionPolicy } from "./ingest.ts";

const policy = (p: Partial<SectionPolicy>): SectionPolicy => ({
  sectionId: "s", siteId: "a", itemKind: "document", publishMode: "automatic", allowUnverified: false, enabled: true, ...p,
});

describe("delivery state from the signature status", () => {
  it("valid goes out; not valid waits for a clerk unless the section allows unverified documents", () => {
    expect(deliveryState(policy({}), "valid")).toEqual({ state: "pending", note: null });
    expect(deliveryState(policy({}), "unsigned")).toMatchObject({ state: "held", note: expect.stringMatching(/signature unsigned/) });
    expect(deliveryState(policy({ allowUnverified: true }), "unsigned")).toEqual({ state: "pending", note: null });
  });

  it("an unreadable file (error) is held even where unverified documents are allowed, with the reason", () => {
    for (const allowUnverified of [false, true]) {
      for (const publishMode of ["automatic", "review"] as const) {
        expect(deliveryState(policy({ allowUnverified, publishMode }), "error")).toEqual({ state: "held", note: expect.stringMatching(/unreadable.*held for review/) });
      }
    }
  });
});
