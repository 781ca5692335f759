package io.github.llamacppsdk.core;

import io.github.llamacppsdk.internal.core.MapValues;
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

  private static final Set<String> KEYS = Set.of("contract_version", "consumer", "accepted_runtime_kinds",
      "accepted_management_modes", "accepted_protocols", "required_capabilities", "optional_capabilities",
      "constraints", "metadata");

  /** Validates and copies the components; capability maps are normalised and keep their order. */
  public ConsumerManifest {
    if (!InstanceSpec.CONTRACT_VERSION.equals(contractVersion)) {
      throw MapValues.invalid("contract_version must be " + InstanceSpec.CONTRACT_VERSION + ", got '"
          + contractVersion + "'");
    }
    Objects.requireNonNull(consumer, "consumer");
    if (consumer.isBlank()) {
      throw new IllegalArgumentException("consumer must not be blank");
    }
    acceptedRuntimeKinds = List.copyOf(acceptedRuntimeKinds);
    acceptedManagementModes = List.copyOf(acceptedManagementModes);
    acceptedProtocols = List.copyOf(acceptedProtocols);
    requiredCapabilities = MapValues.capabilities("required_capabilities", requiredCapabilities);
    optionalCapabilities = MapValues.capabilities("optional_capabilities", optionalCapabilities);
    Map<String, Object> c = new LinkedHashMap<>(constraints);
    if (c.containsKey("startup_kind")) {
      c.put("startup_kind", MapValues.one("constraints.startup_kind", c.get("startup_kind"),
          StartupKind.class, t -> StartupKind.fromWire(atom(t))));
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
   * @throws InferenceException {@link ErrorCode#INVALID_SPEC} naming the key of an unknown key or a
   *     bad value
   */
  public static ConsumerManifest fromMap(Map<String, ?> map) {
    Objects.requireNonNull(map, "map");
    MapValues.rejectUnknownKeys("consumer manifest", map, KEYS);
    Object consumer = map.get("consumer");
    if (consumer == null || MapValues.text("consumer", consumer).isBlank()) {
      throw MapValues.invalid("consumer manifest: consumer is required");
    }
    Builder b = builder(MapValues.text("consumer", consumer));
    if (map.get("contract_version") != null) {
      String v = MapValues.text("contract_version", map.get("contract_version"));
      if (!InstanceSpec.CONTRACT_VERSION.equals(v)) {
        throw MapValues.invalid("contract_version must be " + InstanceSpec.CONTRACT_VERSION + ", got '" + v + "'");
      }
    }
    if (map.get("accepted_runtime_kinds") != null) {
      b.acceptedRuntimeKinds = MapValues.list("accepted_runtime_kinds", map.get("accepted_runtime_kinds"),
          RuntimeKind.class, t -> RuntimeKind.fromWire(atom(t)));
    }
    if (map.get("accepted_management_modes") != null) {
      b.acceptedManagementModes = MapValues.list("accepted_management_modes",
          map.get("accepted_management_modes"), ManagementMode.class, t -> ManagementMode.fromWire(atom(t)));
    }
    if (map.get("accepted_protocols") != null) {
      b.acceptedProtocols = MapValues.list("accepted_protocols", map.get("accepted_protocols"),
          Protocol.class, t -> Protocol.fromWire(atom(t)));
    }
    if (map.get("required_capabilities") != null) {
      b.required.putAll(MapValues.capabilities("required_capabilities", map.get("required_capabilities")));
    }
    if (map.get("optional_capabilities") != null) {
      b.optional.putAll(MapValues.capabilities("optional_capabilities", map.get("optional_capabilities")));
    }
    Object constraints = map.get("constraints");
    if (constraints != null) {
      if (!(constraints instanceof Map<?, ?> cm)) {
        throw MapValues.invalid("constraints must be a map");
      }
      for (Map.Entry<?, ?> e : cm.entrySet()) {
        String key = MapValues.text("constraints", e.getKey());
        if (e.getValue() != null) {
          b.constraints.put(key, e.getValue());
        }
      }
    }
    Object metadata = map.get("metadata");
    if (metadata != null) {
      if (!(metadata instanceof Map<?, ?> mm)) {
        throw MapValues.invalid("metadata must be a map");
      }
      mm.forEach((k, v) -> {
        if (v != null) { // as in constraints: a null value means absent (the copied map holds no nulls)
          b.metadata.put(String.valueOf(k), v);
        }
      });
    }
    return b.build();
  }

  /** {@return a wire spelling from a map, without the leading {@code :} of an atom written as text} */
  private static String atom(String t) {
    String s = t.strip();
    return s.startsWith(":") ? s.substring(1) : s;
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

    /** @param kinds the accepted runtime kinds (replaces the default) @return this */
    public Builder acceptedRuntimeKinds(RuntimeKind... kinds) {
      acceptedRuntimeKinds = new ArrayList<>(List.of(kinds));
      return this;
    }

    /** @param modes the accepted management modes; none means any @return this */
    public Builder acceptedManagementModes(ManagementMode... modes) {
      acceptedManagementModes = new ArrayList<>(List.of(modes));
      return this;
    }

    /** @param protocols the accepted protocols (replaces the default) @return this */
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
      required.put(plainKey(key), MapValues.capabilityValue(key, value));
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
      optional.put(plainKey(key), MapValues.capabilityValue(key, value));
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

    /** @param kind the startup kind the backend must use @return this */
    public Builder startupKind(StartupKind kind) {
      constraints.put("startup_kind", Objects.requireNonNull(kind, "kind"));
      return this;
    }

    /** @param key the metadata key @param value the value @return this */
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
