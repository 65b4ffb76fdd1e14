/** The TLS security policies ELB.17 accepts, shared by the listener and Kubernetes Service rules. */

/**
 * The eight policies ELB.17 accepts: TLS 1.3 only or TLS 1.2+ with restricted ciphers, plain,
 * FIPS, post-quantum, or both. `ELBSecurityPolicy-TLS13-1-2-2021-06` and its `-Ext1`/`-Ext2`
 * variants look alike but are not on the list.
 */
export const RECOMMENDED_POLICIES = [
  "ELBSecurityPolicy-TLS13-1-3-2021-06",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
  "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
  "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
];
