package io.github.llamacppsdk.core;

import io.github.llamacppsdk.Violation;
import io.github.llamacppsdk.internal.spec.FieldChecks;
import io.github.llamacppsdk.internal.spec.FieldReader;
import io.github.llamacppsdk.internal.spec.WireRules;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a consumer of endpoints accepts and requires: runtime kinds, management modes, protocols,
 * capabilities and constraints. {@link InferenceCore#compatibility(String, ConsumerManifest)} checks it
 * against a {@link BackendManifest}.
 *
 * <p>Rules worth knowing:
 *
 * <ul>
 *   <li>An <b>empty {@code acceptedManagementModes} means "any mode"</b> (the backend's first mode is
 *       resolved).
 *   <li>Capability keys are plain names ({@code streaming}); {@link #fromMap(Map)} also accepts them with a trailing {@code ?}.
 * </ul>
 *
 * <p>A required capability is satisfied only by an equal value, so a required
 * {@code true} is not satisfied by {@code "unknown"}, and a required {@code "unknown"} only by
 * {@code "unknown"}. An empty {@code acceptedProtocols} or {@code acceptedRuntimeKinds} accepts
 * nothing. Of the {@code constraints} only {@code startup_kind} is interpreted; other entries are kept
 * as given.
 *
 * <p>Immutable and thread-safe. Capability maps keep their insertion order, which decides which
 * missing capability is reported first.
 *
 * @param contractVersion always {@code inference.v1}
 * @param consumer the consumer's name, e.g. {@code jido_integration_req_llm}
 * @param acceptedRuntimeKinds accepted runtime kinds (default {@code [service]})
 * @param acceptedManagementModes accepted management modes; empty accepts any (the default)
 * @param acceptedProtocols accepted protocols (default {@code [openai_chat_completions]})
 * @param requiredCapabilities capability key to the required value ({@code true}, {@code false} or
 *     {@link Capabilities#UNKNOWN})
 * @param optionalCapabilities capability key to the wanted value; an unmet one is a warning
 * @param constraints {@code startup_kind} (a {@link StartupKind}) and uninterpreted extras
 * @param metadata the consumer's metadata
 */
public record ConsumerManifest(
    String contractVersion,
    String consumer,
    List<RuntimeKind> acceptedRuntimeKinds,
    List<ManagementMode> acceptedManagementModes,
    List<Protocol> acceptedProtocols,
    Map<String, Object> requiredCapabilities,
    Map<String, Object> optionalCapabilities,
    Map<String, Object> constraints,
    Map<String, Object> metadata) {

  private static final List<String> KEYS = List.of("contract_version", "consumer", "accepted_runtime_kinds",
      "accepted_management_modes", "accepted_protocols", "required_capabilities", "optional_capabilities",
      "constraints", "metadata");

  private static final String CONTRACT_RULE = "must be " + InstanceSpec.CONTRACT_VERSION + ".";

  /** Validates and copies the components; capability maps are normalised and keep their order. */
  public ConsumerManifest {
    if (!InstanceSpec.CONTRACT_VERSION.equals(contractVersion)) {
      throw FieldChecks.CONSUMER_MANIFEST.invalid("contract_version", "\"" + contractVersion + "\"", CONTRACT_RULE);
    }
    Objects.requireNonNull(consumer, "consumer");
    if (consumer.isBlank()) {
      throw new IllegalArgumentException("consumer must not be blank");
    }
    acceptedRuntimeKinds = List.copyOf(acceptedRuntimeKinds);
    acceptedManagementModes = List.copyOf(acceptedManagementModes);
    acceptedProtocols = List.copyOf(acceptedProtocols);
    requiredCapabilities = WireRules.capabilities("required_capabilities", requiredCapabilities);
    optionalCapabilities = WireRules.capabilities("optional_capabilities", optionalCapabilities);
    Map<String, Object> c = new LinkedHashMap<>(constraints);
    if (c.containsKey("startup_kind")) {
      Object kind = c.get("startup_kind");
      c.put("startup_kind", FieldChecks.CONSUMER_MANIFEST.checked(out -> WireRules.wire(
          "constraints.startup_kind", kind, StartupKind.class, StartupKind::fromWire, out)));
    }
    constraints = Collections.unmodifiableMap(c);
    metadata = Map.copyOf(metadata);
  }

  /** {@return the {@code constraints.startup_kind} the backend must use, if any} */
  public Optional<StartupKind> startupKindConstraint() {
    return Optional.ofNullable((StartupKind) constraints.get("startup_kind"));
  }

  /**
   * Starts a manifest with the defaults: runtime kinds {@code [service]}, any management mode,
   * protocols {@code [openai_chat_completions]}, no capability requirements, no constraints.
   *
   * @param consumer the consumer's name
   * @return a builder; mutable, single use, not thread-safe
   */
  public static Builder builder(String consumer) {
    return new Builder(consumer);
  }

  /**
   * Reads a manifest from a map of snake_case keys. Keys: {@code contract_version}, {@code consumer}
   * (required), {@code accepted_runtime_kinds}, {@code accepted_management_modes}, {@code
   * accepted_protocols} (a list or a single wire spelling such as {@code jido_managed}), {@code
   * required_capabilities}, {@code optional_capabilities} (keys with or without {@code ?}; values
   * {@code true}, {@code false} or {@code "unknown"}), {@code constraints} (only {@code startup_kind}
   * interpreted: {@code spawned} or {@code attach_existing_service}) and {@code metadata}.
   *
   * @param map the map; string keys
   * @return the manifest
   * @throws io.github.llamacppsdk.InvalidSpecException ({@link ErrorCode#INVALID_SPEC}) listing every
   *     unknown key (with "did you mean") and bad value at once
   */
  public static ConsumerManifest fromMap(Map<String, ?> map) {
    Objects.requireNonNull(map, "map");
    List<Violation> unknown = FieldReader.unknownKeys(map, KEYS, Set.of(), "consumer-manifest");
    FieldReader in = new FieldReader(map);
    Optional<String> consumer = in.atomText("consumer").filter(c -> !c.isBlank());
    if (consumer.isEmpty() && !in.failedOn("consumer")) {
      in.fail("consumer", map.get("consumer"), "is required: the consumer's name.");
    }
    in.atomText("contract_version").filter(v -> !InstanceSpec.CONTRACT_VERSION.equals(v))
        .ifPresent(v -> in.fail("contract_version", v, CONTRACT_RULE));
    Optional<List<RuntimeKind>> kinds = in.wireList("accepted_runtime_kinds", RuntimeKind.class, RuntimeKind::fromWire);
    Optional<List<ManagementMode>> modes = in.wireList("accepted_management_modes", ManagementMode.class,
        ManagementMode::fromWire);
    Optional<List<Protocol>> protocols = in.wireList("accepted_protocols", Protocol.class, Protocol::fromWire);
    Optional<Map<String, Object>> required = in.capabilities("required_capabilities");
    Optional<Map<String, Object>> optional = in.capabilities("optional_capabilities");
    Map<String, Object> constraints = new LinkedHashMap<>();
    in.map("constraints", "a map").ifPresent(m -> m.forEach((k, v) -> {
      if (v != null) { // a null value means absent (the copied map holds no nulls)
        Optional.ofNullable(in.wireText("constraints", k)).ifPresent(key -> constraints.put(key, v));
      }
    }));
    Object kind = constraints.get("startup_kind");
    if (kind != null) {
      constraints.put("startup_kind", in.wire("constraints.startup_kind", kind, StartupKind.class, StartupKind::fromWire));
    }
    Map<String, Object> metadata = new LinkedHashMap<>();
    in.map("metadata", "a map").ifPresent(m -> m.forEach((k, v) -> {
      if (v != null) { // as in constraints
        metadata.put(String.valueOf(k), v);
      }
    }));
    in.throwIfAny(unknown, FieldChecks.CONSUMER_MANIFEST);
    Builder b = builder(consumer.orElseThrow());
    kinds.ifPresent(v -> b.acceptedRuntimeKinds = v);
    modes.ifPresent(v -> b.acceptedManagementModes = v);
    protocols.ifPresent(v -> b.acceptedProtocols = v);
    required.ifPresent(b.required::putAll);
    optional.ifPresent(b.optional::putAll);
    b.constraints.putAll(constraints);
    b.metadata.putAll(metadata);
    return b.build();
  }

  /** Builds a {@link ConsumerManifest}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private final String consumer;
    private List<RuntimeKind> acceptedRuntimeKinds = new ArrayList<>(List.of(RuntimeKind.SERVICE));
    private List<ManagementMode> acceptedManagementModes = new ArrayList<>();
    private List<Protocol> acceptedProtocols = new ArrayList<>(List.of(Protocol.OPENAI_CHAT_COMPLETIONS));
    private final Map<String, Object> required = new LinkedHashMap<>();
    private final Map<String, Object> optional = new LinkedHashMap<>();
    private final Map<String, Object> constraints = new LinkedHashMap<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();

    private Builder(String consumer) {
      this.consumer = Objects.requireNonNull(consumer, "consumer");
    }

    /** @param kinds the accepted runtime kinds (replaces the default)
     * @return this */
    public Builder acceptedRuntimeKinds(RuntimeKind... kinds) {
      acceptedRuntimeKinds = new ArrayList<>(List.of(kinds));
      return this;
    }

    /** @param modes the accepted management modes; none means any
     * @return this */
    public Builder acceptedManagementModes(ManagementMode... modes) {
      acceptedManagementModes = new ArrayList<>(List.of(modes));
      return this;
    }

    /** @param protocols the accepted protocols (replaces the default)
     * @return this */
    public Builder acceptedProtocols(Protocol... protocols) {
      acceptedProtocols = new ArrayList<>(List.of(protocols));
      return this;
    }

    /**
     * Requires a capability value.
     *
     * @param key a plain capability name, e.g. {@link Capabilities#STREAMING}
     * @param value {@code true}, {@code false} or {@link Capabilities#UNKNOWN}
     * @return this
     * @throws IllegalArgumentException if {@code key} is not a plain name ({@code streaming?} and
     *     {@code :streaming} are map spellings, accepted by {@link ConsumerManifest#fromMap(Map)} only)
     */
    public Builder require(String key, Object value) {
      required.put(plainKey(key), WireRules.capabilityValue(key, value));
      return this;
    }

    /**
     * Wants a capability value; if unmet the result carries a warning.
     *
     * @param key a plain capability name, as for {@link #require(String, Object)}
     * @param value {@code true}, {@code false} or {@link Capabilities#UNKNOWN}
     * @return this
     * @throws IllegalArgumentException if {@code key} is not a plain name
     */
    public Builder prefer(String key, Object value) {
      optional.put(plainKey(key), WireRules.capabilityValue(key, value));
      return this;
    }

    private static String plainKey(String key) {
      String plain = Capabilities.normaliseKey(Objects.requireNonNull(key, "key"));
      if (plain.isEmpty() || !plain.equals(key)) {
        throw new IllegalArgumentException("capability key \"" + key + "\" must be a plain name"
            + (plain.isEmpty() ? "" : " such as \"" + plain + "\"") + "; \"?\" and \":\" spellings are for fromMap");
      }
      return plain;
    }

    /** @param kind the startup kind the backend must use
     * @return this */
    public Builder startupKind(StartupKind kind) {
      constraints.put("startup_kind", Objects.requireNonNull(kind, "kind"));
      return this;
    }

    /** @param key the metadata key
     * @param value the value
     * @return this */
    public Builder metadata(String key, Object value) {
      metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** {@return the manifest} */
    public ConsumerManifest build() {
      return new ConsumerManifest(InstanceSpec.CONTRACT_VERSION, consumer, acceptedRuntimeKinds,
          acceptedManagementModes, acceptedProtocols, required, optional, constraints, metadata);
    }
  }
}
