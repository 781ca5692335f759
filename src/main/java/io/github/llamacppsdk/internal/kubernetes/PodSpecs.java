package io.github.llamacppsdk.internal.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.github.llamacppsdk.kubernetes.KubernetesPlacement;
import io.github.llamacppsdk.kubernetes.Toleration;
import io.github.llamacppsdk.process.LaunchRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Not API. Turns a launch request into the Secret and the Pod that run it. Pure: no I/O.
 *
 * <p>The container runs the image's entrypoint (or the placement's command) with the request's
 * arguments after the binary; {@code --host} becomes {@code 0.0.0.0} (a pod is reached on its own
 * IP), {@code --port} is the container port (8080 when absent). Every variable of the request's
 * environment (the API key among them) goes into the pod's own Secret and reaches the container
 * through {@code valueFrom.secretKeyRef}: the pod spec holds names only.
 */
final class PodSpecs {
  /** Where the model cache is mounted when the placement names no claim for it. */
  static final String CACHE_PATH = "/cache/llama.cpp";
  static final int DEFAULT_PORT = 8080;

  private PodSpecs() {}

  /** What one launch creates. */
  record Names(String pod, String secret) {
    static Names fresh(String alias) {
      String pod = "llama-" + Labels.namePart(alias, 30) + "-" + Labels.random(8);
      return new Names(pod, pod + "-env");
    }
  }

  /** {@return the container port: the value of {@code --port}, else 8080}
   * @param argv the command */
  static int containerPort(List<String> argv) {
    int i = argv.indexOf("--port");
    if (i >= 0 && i + 1 < argv.size()) {
      try {
        return Integer.parseInt(argv.get(i + 1));
      } catch (NumberFormatException e) {
        return DEFAULT_PORT;
      }
    }
    return DEFAULT_PORT;
  }

  /** {@return the container's arguments: everything after the binary, listening on every address of the pod} */
  static List<String> containerArgs(List<String> argv) {
    List<String> args = new ArrayList<>(argv.subList(1, argv.size()));
    int i = args.indexOf("--host");
    if (i >= 0 && i + 1 < args.size()) {
      args.set(i + 1, "0.0.0.0");
    } else {
      args.add("--host");
      args.add("0.0.0.0");
    }
    return args;
  }

  /** {@return the labels of everything one launch creates} */
  static Map<String, String> labels(KubernetesPlacement placement, String session, String owner, LaunchRequest request,
      String role) {
    Map<String, String> labels = new LinkedHashMap<>(placement.labels());
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    labels.put(Labels.NAME, Labels.SERVER);
    labels.put(Labels.ROLE, role);
    labels.put(Labels.SESSION, session);
    labels.put(Labels.OWNER, Labels.value(owner));
    String key = request.labels().get(LaunchRequest.INSTANCE_KEY);
    if (key != null) {
      labels.put(Labels.INSTANCE, Labels.digest(key));
    }
    labels.put(Labels.SPEC, Labels.digest(String.join("\u0000", request.argv())));
    labels.put(Labels.MODEL, Labels.value(request.labels().getOrDefault(LaunchRequest.MODEL, request.displayName())));
    return labels;
  }

  static Secret secret(Names names, String namespace, Map<String, String> labels, OwnerReference owner,
      Map<String, String> environment) {
    Map<String, String> data = new TreeMap<>();
    environment.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withNewMetadata().withName(names.secret()).withNamespace(namespace).withLabels(labels)
        .withOwnerReferences(owner).endMetadata()
        .withType("Opaque")
        .withData(data)
        .build();
  }

  static Pod pod(Names names, String namespace, Map<String, String> labels, OwnerReference owner,
      KubernetesPlacement placement, LaunchRequest request) {
    List<EnvVar> env = new ArrayList<>();
    if (!request.environment().containsKey("LLAMA_CACHE")) {
      env.add(new EnvVarBuilder().withName("LLAMA_CACHE").withValue(cachePath(placement)).build());
    }
    new TreeMap<>(request.environment()).keySet().forEach(name -> env.add(new EnvVarBuilder().withName(name)
        .withNewValueFrom().withNewSecretKeyRef(name, names.secret(), false).endValueFrom().build()));
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    placement.models().ifPresent(m -> {
      volumes.add(new VolumeBuilder().withName("models").withNewPersistentVolumeClaim(m.claimName(), m.readOnly()).build());
      mounts.add(new VolumeMountBuilder().withName("models").withMountPath(m.mountPath()).withReadOnly(m.readOnly()).build());
    });
    if (placement.cache().isPresent()) {
      var c = placement.cache().get();
      volumes.add(new VolumeBuilder().withName("cache").withNewPersistentVolumeClaim(c.claimName(), c.readOnly()).build());
    } else {
      volumes.add(new VolumeBuilder().withName("cache").withNewEmptyDir().endEmptyDir().build());
    }
    mounts.add(new VolumeMountBuilder().withName("cache").withMountPath(cachePath(placement)).build());

    int port = containerPort(request.argv());
    ContainerBuilder container = new ContainerBuilder()
        .withName(KubernetesPlacement.CONTAINER_NAME)
        .withImage(placement.image())
        .withArgs(containerArgs(request.argv()))
        .addNewPort().withName("http").withContainerPort(port).withProtocol("TCP").endPort()
        .withEnv(env)
        .withVolumeMounts(mounts)
        .withResources(resources(placement));
    placement.imagePullPolicy().ifPresent(container::withImagePullPolicy);
    if (!placement.command().isEmpty()) {
      container.withCommand(placement.command());
    }
    Container c = container.build();
    List<LocalObjectReference> pullSecrets = placement.imagePullSecrets().stream().map(LocalObjectReference::new).toList();
    return new PodBuilder()
        .withNewMetadata().withName(names.pod()).withNamespace(namespace).withLabels(labels)
        .addToAnnotations(Labels.INSTANCE_KEY_ANNOTATION, request.labels().getOrDefault(LaunchRequest.INSTANCE_KEY, ""))
        .withOwnerReferences(owner).endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never") // a crash is an exit; the library's restart policy decides
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withContainers(c)
        .withVolumes(volumes)
        .withNodeSelector(placement.nodeSelector().isEmpty() ? null : placement.nodeSelector())
        .withTolerations(placement.tolerations().stream().map(PodSpecs::toleration).toList())
        .withImagePullSecrets(pullSecrets)
        .endSpec()
        .build();
  }

  private static String cachePath(KubernetesPlacement placement) {
    return placement.cache().map(c -> c.mountPath()).orElse(CACHE_PATH);
  }

  private static io.fabric8.kubernetes.api.model.ResourceRequirements resources(KubernetesPlacement p) {
    ResourceRequirementsBuilder r = new ResourceRequirementsBuilder();
    p.cpu().ifPresent(v -> r.addToRequests("cpu", new Quantity(v)));
    p.memory().ifPresent(v -> {
      r.addToRequests("memory", new Quantity(v));
      r.addToLimits("memory", new Quantity(v));
    });
    if (p.gpus() > 0) { // extended resources: the request must equal the limit
      r.addToRequests(p.gpuResource(), new Quantity(Integer.toString(p.gpus())));
      r.addToLimits(p.gpuResource(), new Quantity(Integer.toString(p.gpus())));
    }
    return r.build();
  }

  private static io.fabric8.kubernetes.api.model.Toleration toleration(Toleration t) {
    return new io.fabric8.kubernetes.api.model.TolerationBuilder()
        .withKey(t.key().isEmpty() ? null : t.key())
        .withOperator(t.operator())
        .withValue(t.value().orElse(null))
        .withEffect(t.effect().orElse(null))
        .build();
  }
}
