package io.github.llamacppsdk.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where and how llama-server pods run: namespace, image, resources, node selection, volumes, and
 * how this JVM reaches them. Give it to {@link io.github.llamacppsdk.LlamaCppBackend.Builder#kubernetes(KubernetesPlacement)}.
 *
 * <pre>{@code
 * KubernetesPlacement gpu = KubernetesPlacement.builder()
 *     .namespace("inference")
 *     .cpu("4").memory("24Gi").gpus(1)
 *     .nodeSelector("cloud.google.com/gke-accelerator", "nvidia-l4")
 *     .toleration(Toleration.exists("nvidia.com/gpu", "NoSchedule"))
 *     .models(new VolumeClaim("models", "/models", true))
 *     .build();
 * try (LlamaCppBackend backend = LlamaCppBackend.builder().kubernetes(gpu).build()) {
 *   backend.resolveEndpoint(BootSpec.builder("/models/qwen3-8b-q4_k_m.gguf").build(), options);
 * }
 * }</pre>
 *
 * <p>A spec's paths ({@code model}, {@code api_key_file}) are the container's paths. The spec's
 * port is the container port ({@code 0} means 8080), and the server listens on every address of
 * its pod. The spec's binary is ignored: the image's entrypoint runs, unless {@link
 * Builder#command(List)} names another. Immutable; {@link #toString()} omits the client.
 */
public final class KubernetesPlacement {
  /** The default image: llama.cpp's server image. */
  public static final String DEFAULT_IMAGE = "ghcr.io/ggml-org/llama.cpp:server";
  /** The default GPU resource name. */
  public static final String DEFAULT_GPU_RESOURCE = "nvidia.com/gpu";
  /** The default lifetime of the anchor between renewals (it is renewed every third of it). */
  public static final Duration DEFAULT_ANCHOR_TTL = Duration.ofSeconds(60);
  /** The name of the llama-server container in every pod. */
  public static final String CONTAINER_NAME = "llama-server";

  private static final Pattern LABEL_VALUE = Pattern.compile("(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)");

  private final Optional<String> namespace;
  private final String image;
  private final Optional<String> imagePullPolicy;
  private final List<String> command;
  private final Optional<String> cpu;
  private final Optional<String> memory;
  private final int gpus;
  private final String gpuResource;
  private final Map<String, String> nodeSelector;
  private final List<Toleration> tolerations;
  private final List<String> imagePullSecrets;
  private final Map<String, String> labels;
  private final Optional<VolumeClaim> models;
  private final Optional<VolumeClaim> cache;
  private final Reachability reachability;
  private final Duration anchorTtl;
  private final Optional<String> ownerPod;
  private final KubernetesClient client;

  private KubernetesPlacement(Builder b) {
    namespace = Optional.ofNullable(b.namespace);
    image = b.image;
    imagePullPolicy = Optional.ofNullable(b.imagePullPolicy);
    command = List.copyOf(b.command);
    cpu = Optional.ofNullable(b.cpu);
    memory = Optional.ofNullable(b.memory);
    gpus = b.gpus;
    gpuResource = b.gpuResource;
    nodeSelector = Map.copyOf(b.nodeSelector);
    tolerations = List.copyOf(b.tolerations);
    imagePullSecrets = List.copyOf(b.imagePullSecrets);
    labels = Map.copyOf(b.labels);
    models = Optional.ofNullable(b.models);
    cache = Optional.ofNullable(b.cache);
    reachability = b.reachability;
    anchorTtl = b.anchorTtl;
    ownerPod = Optional.ofNullable(b.ownerPod);
    client = b.client;
  }

  /** {@return a builder with the defaults} */
  public static Builder builder() {
    return new Builder();
  }

  /** {@return the namespace; empty means the client's (its kube config or service account), else {@code default}} */
  public Optional<String> namespace() {
    return namespace;
  }

  /** {@return the container image} */
  public String image() {
    return image;
  }

  /** {@return the image pull policy; empty leaves Kubernetes' default} */
  public Optional<String> imagePullPolicy() {
    return imagePullPolicy;
  }

  /** {@return the container command; empty runs the image's entrypoint with the server's flags as arguments} */
  public List<String> command() {
    return command;
  }

  /** {@return the CPU request, e.g. {@code 4} or {@code 500m}} */
  public Optional<String> cpu() {
    return cpu;
  }

  /** {@return the memory request and limit, e.g. {@code 24Gi}} */
  public Optional<String> memory() {
    return memory;
  }

  /** {@return the GPUs requested (request and limit of {@link #gpuResource()}); 0 for none} */
  public int gpus() {
    return gpus;
  }

  /** {@return the extended resource that counts GPUs} */
  public String gpuResource() {
    return gpuResource;
  }

  /** {@return the node selector} */
  public Map<String, String> nodeSelector() {
    return nodeSelector;
  }

  /** {@return the tolerations} */
  public List<Toleration> tolerations() {
    return tolerations;
  }

  /** {@return the names of the image pull secrets} */
  public List<String> imagePullSecrets() {
    return imagePullSecrets;
  }

  /** {@return extra labels put on every pod and secret the library creates} */
  public Map<String, String> labels() {
    return labels;
  }

  /** {@return the claim holding the models, mounted into every pod} */
  public Optional<VolumeClaim> models() {
    return models;
  }

  /** {@return the claim that caches models pulled by name ({@code LLAMA_CACHE} points at it); empty uses a pod-local {@code emptyDir}} */
  public Optional<VolumeClaim> cache() {
    return cache;
  }

  /** {@return how this JVM reaches the pods} */
  public Reachability reachability() {
    return reachability;
  }

  /** {@return the anchor's lifetime without renewal} */
  public Duration anchorTtl() {
    return anchorTtl;
  }

  /**
   * {@return the pod this application runs in, which owns the anchor (and so every llama-server
   * pod); empty means: read {@code POD_NAME}, else {@code HOSTNAME}, when running in the cluster}
   */
  public Optional<String> ownerPod() {
    return ownerPod;
  }

  /** {@return the client given to the builder (not closed by the library), or empty to build one from the environment} */
  public Optional<KubernetesClient> client() {
    return Optional.ofNullable(client);
  }

  @Override
  public String toString() {
    return "KubernetesPlacement[namespace=" + namespace.orElse("(client's)") + ", image=" + image
        + ", cpu=" + cpu.orElse("-") + ", memory=" + memory.orElse("-") + ", gpus=" + gpus
        + ", nodeSelector=" + nodeSelector + ", tolerations=" + tolerations.size()
        + ", models=" + models.map(VolumeClaim::claimName).orElse("-") + ", reachability=" + reachability + "]";
  }

  /** Builds a {@link KubernetesPlacement}. Mutable, single use, not thread-safe. */
  public static final class Builder {
    private String namespace;
    private String image = DEFAULT_IMAGE;
    private String imagePullPolicy;
    private List<String> command = List.of();
    private String cpu;
    private String memory;
    private int gpus;
    private String gpuResource = DEFAULT_GPU_RESOURCE;
    private final Map<String, String> nodeSelector = new LinkedHashMap<>();
    private final List<Toleration> tolerations = new ArrayList<>();
    private final List<String> imagePullSecrets = new ArrayList<>();
    private final Map<String, String> labels = new LinkedHashMap<>();
    private VolumeClaim models;
    private VolumeClaim cache;
    private Reachability reachability = Reachability.AUTO;
    private Duration anchorTtl = DEFAULT_ANCHOR_TTL;
    private String ownerPod;
    private KubernetesClient client;

    private Builder() {}

    /** @param v the namespace of the pods, secrets and anchor
     * @return this */
    public Builder namespace(String v) { namespace = nonBlank(v, "namespace"); return this; }
    /** @param v the container image (default {@value KubernetesPlacement#DEFAULT_IMAGE})
     * @return this */
    public Builder image(String v) { image = nonBlank(v, "image"); return this; }
    /** @param v {@code Always}, {@code IfNotPresent} or {@code Never}
     * @return this */
    public Builder imagePullPolicy(String v) { imagePullPolicy = nonBlank(v, "imagePullPolicy"); return this; }
    /** @param v the container command (the server's flags follow as arguments)
     * @return this */
    public Builder command(List<String> v) { command = List.copyOf(v); return this; }
    /** @param v the CPU request, e.g. {@code 4}
     * @return this */
    public Builder cpu(String v) { cpu = nonBlank(v, "cpu"); return this; }
    /** @param v the memory request and limit, e.g. {@code 24Gi}
     * @return this */
    public Builder memory(String v) { memory = nonBlank(v, "memory"); return this; }
    /** @param v the extended resource name of a GPU (default {@value KubernetesPlacement#DEFAULT_GPU_RESOURCE})
     * @return this */
    public Builder gpuResource(String v) { gpuResource = nonBlank(v, "gpuResource"); return this; }
    /** @param v the reachability (default {@link Reachability#AUTO})
     * @return this */
    public Builder reachability(Reachability v) { reachability = Objects.requireNonNull(v, "reachability"); return this; }
    /** @param v the models claim
     * @return this */
    public Builder models(VolumeClaim v) { models = Objects.requireNonNull(v, "models"); return this; }
    /** @param v the cache claim for models pulled by name
     * @return this */
    public Builder cache(VolumeClaim v) { cache = Objects.requireNonNull(v, "cache"); return this; }
    /** @param v the pod this application runs in (owner of everything the library creates)
     * @return this */
    public Builder ownerPod(String v) { ownerPod = nonBlank(v, "ownerPod"); return this; }
    /** @param v the client to use (default: one built from the environment, closed with the backend; yours is not closed)
     * @return this */
    public Builder client(KubernetesClient v) { client = Objects.requireNonNull(v, "client"); return this; }
    /** @param v the name of an image pull secret
     * @return this */
    public Builder imagePullSecret(String v) { imagePullSecrets.add(nonBlank(v, "imagePullSecret")); return this; }
    /** @param v a toleration
     * @return this */
    public Builder toleration(Toleration v) { tolerations.add(Objects.requireNonNull(v, "toleration")); return this; }

    /**
     * @param v GPUs per pod, requested and limited as {@link #gpuResource(String)}
     * @return this
     */
    public Builder gpus(int v) {
      if (v < 0) {
        throw new IllegalArgumentException("gpus must be >= 0: " + v);
      }
      gpus = v;
      return this;
    }

    /**
     * @param key a node label
     * @param value its required value
     * @return this
     */
    public Builder nodeSelector(String key, String value) {
      nodeSelector.put(nonBlank(key, "nodeSelector key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * @param key a label key (the {@code llama-cpp-sdk/} and {@code app.kubernetes.io/} keys are the library's)
     * @param value its value (at most 63 characters: letters, digits, {@code -_.}, alphanumeric at both ends)
     * @return this
     */
    public Builder label(String key, String value) {
      nonBlank(key, "label key");
      if (key.startsWith("llama-cpp-sdk/") || key.startsWith("app.kubernetes.io/")) {
        throw new IllegalArgumentException("label " + key + " is set by the library");
      }
      if (!LABEL_VALUE.matcher(value).matches()) {
        throw new IllegalArgumentException("label " + key + " has an invalid value: " + value);
      }
      labels.put(key, value);
      return this;
    }

    /**
     * @param v how long the anchor lives without renewal (renewed every third of it; at least 3 s);
     *     pods of an application that died are removed by the next backend once this has passed
     * @return this
     */
    public Builder anchorTtl(Duration v) {
      Objects.requireNonNull(v, "anchorTtl");
      if (v.compareTo(Duration.ofSeconds(3)) < 0) {
        throw new IllegalArgumentException("anchorTtl must be at least 3 s: " + v);
      }
      anchorTtl = v;
      return this;
    }

    /** {@return the placement} */
    public KubernetesPlacement build() {
      return new KubernetesPlacement(this);
    }

    private static String nonBlank(String v, String what) {
      Objects.requireNonNull(v, what);
      if (v.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return v;
    }
  }
}
