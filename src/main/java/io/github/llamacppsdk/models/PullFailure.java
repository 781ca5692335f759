package io.github.llamacppsdk.models;

/** Why a pull failed; carried by {@link ModelPullException#failure()}. */
public enum PullFailure {
  /** The Hub does not know the repository (404). */
  UNKNOWN_REPOSITORY,
  /** The repository has no branch, tag or commit of that name. */
  UNKNOWN_REVISION,
  /** No GGUF file matches the quantisation tag; the exception lists the files there are. */
  NO_SUCH_QUANT,
  /** The named file is not in the repository; the exception lists the files there are. */
  NO_SUCH_FILE,
  /** The repository is gated or private and no token was given, or the token has no access (401/403). */
  GATED,
  /** Offline mode and the file is not in the cache. */
  NOT_IN_CACHE,
  /** The cache's file system has too little space (checked before downloading, and on write). */
  DISK_FULL,
  /** The downloaded bytes do not hash to the Hub's SHA-256; nothing was put in the cache. */
  CHECKSUM_MISMATCH,
  /** No byte arrived for the stall timeout. */
  STALLED,
  /** The Hub kept answering 5xx or 429 after every retry. */
  SERVER_ERROR,
  /** The Hub could not be reached (connection refused, reset, DNS) after every retry. */
  HUB_UNREACHABLE,
  /** The Hub answered something that is not what its API returns (bad JSON, wrong size, bad redirect). */
  BAD_RESPONSE,
  /** The cache could not be written or read (permissions, a broken file system). */
  CACHE_ERROR
}
