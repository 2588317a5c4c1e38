// protobuf_descriptors.cpp — see protobuf_descriptors.h.
//
// Each table lists the fields of one message in proto order of appearance. Flags: R repeated,
// P pointer in Go (kept when present, even if zero), A no omitempty in Go (always emitted),
// IN inlined into the parent. A field without flags is `omitempty`.
#include "protobuf_descriptors.h"

#include <unordered_map>

namespace kubesim::protodesc {
namespace {

#define META "io.k8s.apimachinery.pkg.apis.meta.v1."
#define CORE "io.k8s.api.core.v1."
#define APPS "io.k8s.api.apps.v1."
#define BATCH "io.k8s.api.batch.v1."
#define RBAC "io.k8s.api.rbac.v1."
#define NET "io.k8s.api.networking.v1."
#define POLICY "io.k8s.api.policy.v1."
#define COORD "io.k8s.api.coordination.v1."

constexpr std::string_view kTime = META "Time";
constexpr std::string_view kMicroTime = META "MicroTime";
constexpr std::string_view kObjectMeta = META "ObjectMeta";
constexpr std::string_view kLabelSelector = META "LabelSelector";
constexpr std::string_view kCondition = META "Condition";
constexpr std::string_view kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
constexpr std::string_view kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";

constexpr uint8_t R = kRepeated;
constexpr uint8_t P = kKeepZero;
constexpr uint8_t A = kAlways;
constexpr uint8_t IN = kInline;

using K = FieldKind;
constexpr FieldDescriptor S(uint32_t n, std::string_view j, uint8_t f = 0) { return {n, j, K::kString, {}, f}; }
constexpr FieldDescriptor Bytes(uint32_t n, std::string_view j, uint8_t f = 0) { return {n, j, K::kBytes, {}, f}; }
constexpr FieldDescriptor I32(uint32_t n, std::string_view j, uint8_t f = 0) { return {n, j, K::kInt32, {}, f}; }
constexpr FieldDescriptor I64(uint32_t n, std::string_view j, uint8_t f = 0) { return {n, j, K::kInt64, {}, f}; }
constexpr FieldDescriptor Bool(uint32_t n, std::string_view j, uint8_t f = 0) { return {n, j, K::kBool, {}, f}; }
constexpr FieldDescriptor M(uint32_t n, std::string_view j, std::string_view t, uint8_t f = 0) {
  return {n, j, K::kMessage, t, f};
}
constexpr FieldDescriptor SMap(uint32_t n, std::string_view j) { return {n, j, K::kStringMap, {}, 0}; }
constexpr FieldDescriptor BMap(uint32_t n, std::string_view j) { return {n, j, K::kBytesMap, {}, 0}; }
constexpr FieldDescriptor MMap(uint32_t n, std::string_view j, std::string_view t) {
  return {n, j, K::kMessageMap, t, 0};
}
constexpr FieldDescriptor No(uint32_t n, std::string_view j) { return {n, j, K::kUnsupported, {}, 0}; }

// --- apimachinery: meta/v1, util/intstr, api/resource ------------------------------------------

constexpr FieldDescriptor kTimeFields[] = {I64(1, "seconds"), I32(2, "nanos")};
constexpr FieldDescriptor kIntOrStringFields[] = {I64(1, "type"), I32(2, "intVal"), S(3, "strVal")};
constexpr FieldDescriptor kQuantityFields[] = {S(1, "string")};
constexpr FieldDescriptor kFieldsV1Fields[] = {Bytes(1, "Raw")};

constexpr FieldDescriptor kObjectMetaFields[] = {
    S(1, "name"), S(2, "generateName"), S(3, "namespace"), S(4, "selfLink"), S(5, "uid"),
    S(6, "resourceVersion"), I64(7, "generation"), M(8, "creationTimestamp", kTime),
    M(9, "deletionTimestamp", kTime), I64(10, "deletionGracePeriodSeconds", P), SMap(11, "labels"),
    SMap(12, "annotations"), M(13, "ownerReferences", META "OwnerReference", R), S(14, "finalizers", R),
    M(17, "managedFields", META "ManagedFieldsEntry", R),
};
constexpr FieldDescriptor kOwnerReferenceFields[] = {
    S(5, "apiVersion", A), S(1, "kind", A), S(3, "name", A), S(4, "uid", A),
    Bool(6, "controller", P), Bool(7, "blockOwnerDeletion", P),
};
constexpr FieldDescriptor kManagedFieldsEntryFields[] = {
    S(1, "manager"), S(2, "operation"), S(3, "apiVersion"), M(4, "time", kTime), S(6, "fieldsType"),
    M(7, "fieldsV1", META "FieldsV1"), S(8, "subresource"),
};
constexpr FieldDescriptor kLabelSelectorFields[] = {
    SMap(1, "matchLabels"), M(2, "matchExpressions", META "LabelSelectorRequirement", R),
};
constexpr FieldDescriptor kLabelSelectorRequirementFields[] = {
    S(1, "key", A), S(2, "operator", A), S(3, "values", R),
};
constexpr FieldDescriptor kConditionFields[] = {
    S(1, "type", A), S(2, "status", A), I64(3, "observedGeneration"), M(4, "lastTransitionTime", kTime),
    S(5, "reason", A), S(6, "message", A),
};
constexpr FieldDescriptor kDeleteOptionsFields[] = {
    I64(1, "gracePeriodSeconds", P), M(2, "preconditions", META "Preconditions"), Bool(3, "orphanDependents", P),
    S(4, "propagationPolicy", P), S(5, "dryRun", R), Bool(6, "ignoreStoreReadErrorWithClusterBreakingPotential", P),
};
constexpr FieldDescriptor kPreconditionsFields[] = {S(1, "uid", P), S(2, "resourceVersion", P)};

// --- core/v1: small references and selectors --------------------------------------------------

constexpr FieldDescriptor kLocalObjectReferenceFields[] = {S(1, "name")};
constexpr FieldDescriptor kObjectReferenceFields[] = {
    S(1, "kind"), S(2, "namespace"), S(3, "name"), S(4, "uid"), S(5, "apiVersion"), S(6, "resourceVersion"),
    S(7, "fieldPath"),
};
constexpr FieldDescriptor kTypedLocalObjectReferenceFields[] = {S(1, "apiGroup", P), S(2, "kind", A), S(3, "name", A)};
constexpr FieldDescriptor kTypedObjectReferenceFields[] = {
    S(1, "apiGroup", P), S(2, "kind", A), S(3, "name", A), S(4, "namespace", P),
};
constexpr FieldDescriptor kObjectFieldSelectorFields[] = {S(1, "apiVersion"), S(2, "fieldPath", A)};
constexpr FieldDescriptor kResourceFieldSelectorFields[] = {
    S(1, "containerName"), S(2, "resource", A), M(3, "divisor", kQuantity),
};
constexpr FieldDescriptor kKeySelectorFields[] = {  // ConfigMapKeySelector, SecretKeySelector
    M(1, "localObjectReference", CORE "LocalObjectReference", IN), S(2, "key", A), Bool(3, "optional", P),
};
constexpr FieldDescriptor kFileKeySelectorFields[] = {
    S(1, "volumeName", A), S(2, "path", A), S(3, "key", A), Bool(4, "optional", P),
};
constexpr FieldDescriptor kEnvSourceFields[] = {  // ConfigMapEnvSource, SecretEnvSource
    M(1, "localObjectReference", CORE "LocalObjectReference", IN), Bool(2, "optional", P),
};

// --- core/v1: Namespace, ServiceAccount, Secret, ConfigMap, Event ------------------------------

constexpr FieldDescriptor kNamespaceFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", CORE "NamespaceSpec"), M(3, "status", CORE "NamespaceStatus"),
};
constexpr FieldDescriptor kNamespaceSpecFields[] = {S(1, "finalizers", R)};
constexpr FieldDescriptor kNamespaceStatusFields[] = {
    S(1, "phase"), M(2, "conditions", CORE "NamespaceCondition", R),
};
constexpr FieldDescriptor kNamespaceConditionFields[] = {
    S(1, "type", A), S(2, "status", A), M(4, "lastTransitionTime", kTime), S(5, "reason"), S(6, "message"),
};
constexpr FieldDescriptor kServiceAccountFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "secrets", CORE "ObjectReference", R),
    M(3, "imagePullSecrets", CORE "LocalObjectReference", R), Bool(4, "automountServiceAccountToken", P),
};
constexpr FieldDescriptor kSecretFields[] = {
    M(1, "metadata", kObjectMeta, A), Bool(5, "immutable", P), BMap(2, "data"), SMap(4, "stringData"), S(3, "type"),
};
constexpr FieldDescriptor kConfigMapFields[] = {
    M(1, "metadata", kObjectMeta, A), Bool(4, "immutable", P), SMap(2, "data"), BMap(3, "binaryData"),
};
constexpr FieldDescriptor kEventFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "involvedObject", CORE "ObjectReference"), S(3, "reason"), S(4, "message"),
    M(5, "source", CORE "EventSource"), M(6, "firstTimestamp", kTime), M(7, "lastTimestamp", kTime), I32(8, "count"),
    S(9, "type"), M(10, "eventTime", kMicroTime), M(11, "series", CORE "EventSeries"), S(12, "action"),
    M(13, "related", CORE "ObjectReference"), S(14, "reportingComponent", A), S(15, "reportingInstance", A),
};
constexpr FieldDescriptor kEventSourceFields[] = {S(1, "component"), S(2, "host")};
constexpr FieldDescriptor kEventSeriesFields[] = {I32(1, "count"), M(2, "lastObservedTime", kMicroTime)};

// --- core/v1: Service ----------------------------------------------------------------------------

constexpr FieldDescriptor kServiceFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", CORE "ServiceSpec"), M(3, "status", CORE "ServiceStatus"),
};
constexpr FieldDescriptor kServiceSpecFields[] = {
    M(1, "ports", CORE "ServicePort", R), SMap(2, "selector"), S(3, "clusterIP"), S(18, "clusterIPs", R),
    S(4, "type"), S(5, "externalIPs", R), S(7, "sessionAffinity"), S(8, "loadBalancerIP"),
    S(9, "loadBalancerSourceRanges", R), S(10, "externalName"), S(11, "externalTrafficPolicy"),
    I32(12, "healthCheckNodePort"), Bool(13, "publishNotReadyAddresses"),
    M(14, "sessionAffinityConfig", CORE "SessionAffinityConfig"), S(19, "ipFamilies", R), S(17, "ipFamilyPolicy", P),
    Bool(20, "allocateLoadBalancerNodePorts", P), S(21, "loadBalancerClass", P), S(22, "internalTrafficPolicy", P),
    S(23, "trafficDistribution", P),
};
constexpr FieldDescriptor kServicePortFields[] = {
    S(1, "name"), S(2, "protocol"), S(6, "appProtocol", P), I32(3, "port", A), M(4, "targetPort", kIntOrString),
    I32(5, "nodePort"),
};
constexpr FieldDescriptor kSessionAffinityConfigFields[] = {M(1, "clientIP", CORE "ClientIPConfig")};
constexpr FieldDescriptor kClientIPConfigFields[] = {I32(1, "timeoutSeconds", P)};
constexpr FieldDescriptor kServiceStatusFields[] = {
    M(1, "loadBalancer", CORE "LoadBalancerStatus"), M(2, "conditions", kCondition, R),
};
constexpr FieldDescriptor kLoadBalancerStatusFields[] = {M(1, "ingress", CORE "LoadBalancerIngress", R)};
constexpr FieldDescriptor kLoadBalancerIngressFields[] = {
    S(1, "ip"), S(2, "hostname"), S(3, "ipMode", P), M(4, "ports", CORE "PortStatus", R),
};
constexpr FieldDescriptor kPortStatusFields[] = {I32(1, "port", A), S(2, "protocol", A), S(3, "error", P)};

// --- core/v1: Pod, PodSpec, Container -----------------------------------------------------------

constexpr FieldDescriptor kPodFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", CORE "PodSpec"), M(3, "status", CORE "PodStatus"),
};
constexpr FieldDescriptor kPodTemplateSpecFields[] = {M(1, "metadata", kObjectMeta, A), M(2, "spec", CORE "PodSpec")};
constexpr FieldDescriptor kPodSpecFields[] = {
    M(1, "volumes", CORE "Volume", R), M(20, "initContainers", CORE "Container", R),
    M(2, "containers", CORE "Container", R), M(34, "ephemeralContainers", CORE "EphemeralContainer", R),
    S(3, "restartPolicy"), I64(4, "terminationGracePeriodSeconds", P), I64(5, "activeDeadlineSeconds", P),
    S(6, "dnsPolicy"), SMap(7, "nodeSelector"), S(8, "serviceAccountName"), S(9, "serviceAccount"),
    Bool(21, "automountServiceAccountToken", P), S(10, "nodeName"), Bool(11, "hostNetwork"), Bool(12, "hostPID"),
    Bool(13, "hostIPC"), Bool(27, "shareProcessNamespace", P), M(14, "securityContext", CORE "PodSecurityContext"),
    M(15, "imagePullSecrets", CORE "LocalObjectReference", R), S(16, "hostname"), S(17, "subdomain"),
    M(18, "affinity", CORE "Affinity"), S(19, "schedulerName"), M(22, "tolerations", CORE "Toleration", R),
    M(23, "hostAliases", CORE "HostAlias", R), S(24, "priorityClassName"), I32(25, "priority", P),
    M(26, "dnsConfig", CORE "PodDNSConfig"), M(28, "readinessGates", CORE "PodReadinessGate", R),
    S(29, "runtimeClassName", P), Bool(30, "enableServiceLinks", P), S(31, "preemptionPolicy", P),
    MMap(32, "overhead", kQuantity), M(33, "topologySpreadConstraints", CORE "TopologySpreadConstraint", R),
    Bool(35, "setHostnameAsFQDN", P), M(36, "os", CORE "PodOS"), Bool(37, "hostUsers", P),
    M(38, "schedulingGates", CORE "PodSchedulingGate", R), M(39, "resourceClaims", CORE "PodResourceClaim", R),
    M(40, "resources", CORE "ResourceRequirements"), S(41, "hostnameOverride", P),
    M(42, "workloadRef", CORE "WorkloadReference"),
};
// Container and EphemeralContainerCommon share their field numbers.
constexpr FieldDescriptor kContainerFields[] = {
    S(1, "name", A), S(2, "image"), S(3, "command", R), S(4, "args", R), S(5, "workingDir"),
    M(6, "ports", CORE "ContainerPort", R), M(19, "envFrom", CORE "EnvFromSource", R), M(7, "env", CORE "EnvVar", R),
    M(8, "resources", CORE "ResourceRequirements"), M(23, "resizePolicy", CORE "ContainerResizePolicy", R),
    S(24, "restartPolicy", P), M(25, "restartPolicyRules", CORE "ContainerRestartRule", R),
    M(9, "volumeMounts", CORE "VolumeMount", R), M(21, "volumeDevices", CORE "VolumeDevice", R),
    M(10, "livenessProbe", CORE "Probe"), M(11, "readinessProbe", CORE "Probe"), M(22, "startupProbe", CORE "Probe"),
    M(12, "lifecycle", CORE "Lifecycle"), S(13, "terminationMessagePath"), S(20, "terminationMessagePolicy"),
    S(14, "imagePullPolicy"), M(15, "securityContext", CORE "SecurityContext"), Bool(16, "stdin"),
    Bool(17, "stdinOnce"), Bool(18, "tty"),
};
constexpr FieldDescriptor kEphemeralContainerFields[] = {
    M(1, "ephemeralContainerCommon", CORE "EphemeralContainerCommon", IN), S(2, "targetContainerName"),
};
constexpr FieldDescriptor kContainerPortFields[] = {
    S(1, "name"), I32(2, "hostPort"), I32(3, "containerPort", A), S(4, "protocol"), S(5, "hostIP"),
};
constexpr FieldDescriptor kContainerResizePolicyFields[] = {S(1, "resourceName", A), S(2, "restartPolicy", A)};
constexpr FieldDescriptor kContainerRestartRuleFields[] = {
    S(1, "action"), M(2, "exitCodes", CORE "ContainerRestartRuleOnExitCodes"),
};
constexpr FieldDescriptor kContainerRestartRuleOnExitCodesFields[] = {S(1, "operator"), I32(2, "values", R)};
constexpr FieldDescriptor kEnvFromSourceFields[] = {
    S(1, "prefix"), M(2, "configMapRef", CORE "ConfigMapEnvSource"), M(3, "secretRef", CORE "SecretEnvSource"),
};
constexpr FieldDescriptor kEnvVarFields[] = {S(1, "name", A), S(2, "value"), M(3, "valueFrom", CORE "EnvVarSource")};
constexpr FieldDescriptor kEnvVarSourceFields[] = {
    M(1, "fieldRef", CORE "ObjectFieldSelector"), M(2, "resourceFieldRef", CORE "ResourceFieldSelector"),
    M(3, "configMapKeyRef", CORE "ConfigMapKeySelector"), M(4, "secretKeyRef", CORE "SecretKeySelector"),
    M(5, "fileKeyRef", CORE "FileKeySelector"),
};
constexpr FieldDescriptor kResourceRequirementsFields[] = {
    MMap(1, "limits", kQuantity), MMap(2, "requests", kQuantity), M(3, "claims", CORE "ResourceClaim", R),
};
constexpr FieldDescriptor kResourceClaimFields[] = {S(1, "name", A), S(2, "request")};
constexpr FieldDescriptor kVolumeMountFields[] = {
    S(1, "name", A), Bool(2, "readOnly"), S(7, "recursiveReadOnly", P), S(3, "mountPath", A), S(4, "subPath"),
    S(5, "mountPropagation", P), S(6, "subPathExpr"),
};
constexpr FieldDescriptor kVolumeDeviceFields[] = {S(1, "name", A), S(2, "devicePath", A)};

// Probes and lifecycle hooks.
constexpr FieldDescriptor kProbeFields[] = {
    M(1, "handler", CORE "ProbeHandler", IN), I32(2, "initialDelaySeconds"), I32(3, "timeoutSeconds"),
    I32(4, "periodSeconds"), I32(5, "successThreshold"), I32(6, "failureThreshold"),
    I64(7, "terminationGracePeriodSeconds", P),
};
constexpr FieldDescriptor kProbeHandlerFields[] = {
    M(1, "exec", CORE "ExecAction"), M(2, "httpGet", CORE "HTTPGetAction"), M(3, "tcpSocket", CORE "TCPSocketAction"),
    M(4, "grpc", CORE "GRPCAction"),
};
constexpr FieldDescriptor kExecActionFields[] = {S(1, "command", R)};
constexpr FieldDescriptor kHTTPGetActionFields[] = {
    S(1, "path"), M(2, "port", kIntOrString), S(3, "host"), S(4, "scheme"), M(5, "httpHeaders", CORE "HTTPHeader", R),
};
constexpr FieldDescriptor kHTTPHeaderFields[] = {S(1, "name", A), S(2, "value", A)};
constexpr FieldDescriptor kTCPSocketActionFields[] = {M(1, "port", kIntOrString), S(2, "host")};
constexpr FieldDescriptor kGRPCActionFields[] = {I32(1, "port", A), S(2, "service", P)};
constexpr FieldDescriptor kLifecycleFields[] = {
    M(1, "postStart", CORE "LifecycleHandler"), M(2, "preStop", CORE "LifecycleHandler"), S(3, "stopSignal", P),
};
constexpr FieldDescriptor kLifecycleHandlerFields[] = {
    M(1, "exec", CORE "ExecAction"), M(2, "httpGet", CORE "HTTPGetAction"), M(3, "tcpSocket", CORE "TCPSocketAction"),
    M(4, "sleep", CORE "SleepAction"),
};
constexpr FieldDescriptor kSleepActionFields[] = {I64(1, "seconds", A)};

// Security contexts.
constexpr FieldDescriptor kSecurityContextFields[] = {
    M(1, "capabilities", CORE "Capabilities"), Bool(2, "privileged", P), M(3, "seLinuxOptions", CORE "SELinuxOptions"),
    M(10, "windowsOptions", CORE "WindowsSecurityContextOptions"), I64(4, "runAsUser", P), I64(8, "runAsGroup", P),
    Bool(5, "runAsNonRoot", P), Bool(6, "readOnlyRootFilesystem", P), Bool(7, "allowPrivilegeEscalation", P),
    S(9, "procMount", P), M(11, "seccompProfile", CORE "SeccompProfile"),
    M(12, "appArmorProfile", CORE "AppArmorProfile"), M(13, "ulimits", CORE "Ulimit", R),
};
constexpr FieldDescriptor kPodSecurityContextFields[] = {
    M(1, "seLinuxOptions", CORE "SELinuxOptions"), M(8, "windowsOptions", CORE "WindowsSecurityContextOptions"),
    I64(2, "runAsUser", P), I64(6, "runAsGroup", P), Bool(3, "runAsNonRoot", P), I64(4, "supplementalGroups", R),
    S(12, "supplementalGroupsPolicy", P), I64(5, "fsGroup", P), M(7, "sysctls", CORE "Sysctl", R),
    S(9, "fsGroupChangePolicy", P), M(10, "seccompProfile", CORE "SeccompProfile"),
    M(11, "appArmorProfile", CORE "AppArmorProfile"), S(13, "seLinuxChangePolicy", P),
};
constexpr FieldDescriptor kCapabilitiesFields[] = {S(1, "add", R), S(2, "drop", R)};
constexpr FieldDescriptor kSELinuxOptionsFields[] = {S(1, "user"), S(2, "role"), S(3, "type"), S(4, "level")};
constexpr FieldDescriptor kWindowsSecurityContextOptionsFields[] = {
    S(1, "gmsaCredentialSpecName", P), S(2, "gmsaCredentialSpec", P), S(3, "runAsUserName", P),
    Bool(4, "hostProcess", P),
};
constexpr FieldDescriptor kProfileFields[] = {S(1, "type", A), S(2, "localhostProfile", P)};  // Seccomp, AppArmor
constexpr FieldDescriptor kUlimitFields[] = {S(1, "name", A), I64(2, "hard", A), I64(3, "soft", A)};
constexpr FieldDescriptor kSysctlFields[] = {S(1, "name", A), S(2, "value", A)};

// Scheduling.
constexpr FieldDescriptor kTolerationFields[] = {
    S(1, "key"), S(2, "operator"), S(3, "value"), S(4, "effect"), I64(5, "tolerationSeconds", P),
};
constexpr FieldDescriptor kHostAliasFields[] = {S(1, "ip", A), S(2, "hostnames", R)};
constexpr FieldDescriptor kPodDNSConfigFields[] = {
    S(1, "nameservers", R), S(2, "searches", R), M(3, "options", CORE "PodDNSConfigOption", R),
};
constexpr FieldDescriptor kPodDNSConfigOptionFields[] = {S(1, "name"), S(2, "value", P)};
constexpr FieldDescriptor kPodReadinessGateFields[] = {S(1, "conditionType", A)};
constexpr FieldDescriptor kTopologySpreadConstraintFields[] = {
    I32(1, "maxSkew", A), S(2, "topologyKey", A), S(3, "whenUnsatisfiable", A), M(4, "labelSelector", kLabelSelector),
    I32(5, "minDomains", P), S(6, "nodeAffinityPolicy", P), S(7, "nodeTaintsPolicy", P), S(8, "matchLabelKeys", R),
};
constexpr FieldDescriptor kNameOnlyFields[] = {S(1, "name", A)};  // PodOS, PodSchedulingGate
constexpr FieldDescriptor kPodResourceClaimFields[] = {
    S(1, "name", A), S(3, "resourceClaimName", P), S(4, "resourceClaimTemplateName", P),
};
constexpr FieldDescriptor kWorkloadReferenceFields[] = {S(1, "name"), S(2, "podGroup"), S(3, "podGroupReplicaKey")};
constexpr FieldDescriptor kAffinityFields[] = {
    M(1, "nodeAffinity", CORE "NodeAffinity"), M(2, "podAffinity", CORE "PodAffinity"),
    M(3, "podAntiAffinity", CORE "PodAntiAffinity"),
};
constexpr FieldDescriptor kNodeAffinityFields[] = {
    M(1, "requiredDuringSchedulingIgnoredDuringExecution", CORE "NodeSelector"),
    M(2, "preferredDuringSchedulingIgnoredDuringExecution", CORE "PreferredSchedulingTerm", R),
};
constexpr FieldDescriptor kNodeSelectorFields[] = {M(1, "nodeSelectorTerms", CORE "NodeSelectorTerm", R)};
constexpr FieldDescriptor kNodeSelectorTermFields[] = {
    M(1, "matchExpressions", CORE "NodeSelectorRequirement", R),
    M(2, "matchFields", CORE "NodeSelectorRequirement", R),
};
constexpr FieldDescriptor kNodeSelectorRequirementFields[] = {
    S(1, "key", A), S(2, "operator", A), S(3, "values", R),
};
constexpr FieldDescriptor kPreferredSchedulingTermFields[] = {
    I32(1, "weight", A), M(2, "preference", CORE "NodeSelectorTerm"),
};
constexpr FieldDescriptor kPodAffinityFields[] = {  // PodAffinity, PodAntiAffinity
    M(1, "requiredDuringSchedulingIgnoredDuringExecution", CORE "PodAffinityTerm", R),
    M(2, "preferredDuringSchedulingIgnoredDuringExecution", CORE "WeightedPodAffinityTerm", R),
};
constexpr FieldDescriptor kPodAffinityTermFields[] = {
    M(1, "labelSelector", kLabelSelector), S(2, "namespaces", R), S(3, "topologyKey", A),
    M(4, "namespaceSelector", kLabelSelector), S(5, "matchLabelKeys", R), S(6, "mismatchLabelKeys", R),
};
constexpr FieldDescriptor kWeightedPodAffinityTermFields[] = {
    I32(1, "weight", A), M(2, "podAffinityTerm", CORE "PodAffinityTerm"),
};

// Volumes. The deprecated in-tree plugins are refused rather than decoded.
constexpr FieldDescriptor kVolumeFields[] = {S(1, "name", A), M(2, "volumeSource", CORE "VolumeSource", IN)};
constexpr FieldDescriptor kVolumeSourceFields[] = {
    M(1, "hostPath", CORE "HostPathVolumeSource"), M(2, "emptyDir", CORE "EmptyDirVolumeSource"),
    No(3, "gcePersistentDisk"), No(4, "awsElasticBlockStore"), No(5, "gitRepo"),
    M(6, "secret", CORE "SecretVolumeSource"), M(7, "nfs", CORE "NFSVolumeSource"), No(8, "iscsi"),
    No(9, "glusterfs"), M(10, "persistentVolumeClaim", CORE "PersistentVolumeClaimVolumeSource"), No(11, "rbd"),
    No(12, "flexVolume"), No(13, "cinder"), No(14, "cephfs"), No(15, "flocker"),
    M(16, "downwardAPI", CORE "DownwardAPIVolumeSource"), No(17, "fc"), No(18, "azureFile"),
    M(19, "configMap", CORE "ConfigMapVolumeSource"), No(20, "vsphereVolume"), No(21, "quobyte"),
    No(22, "azureDisk"), No(23, "photonPersistentDisk"), M(26, "projected", CORE "ProjectedVolumeSource"),
    No(24, "portworxVolume"), No(25, "scaleIO"), No(27, "storageos"), M(28, "csi", CORE "CSIVolumeSource"),
    M(29, "ephemeral", CORE "EphemeralVolumeSource"), M(30, "image", CORE "ImageVolumeSource"),
};
constexpr FieldDescriptor kHostPathVolumeSourceFields[] = {S(1, "path", A), S(2, "type", P)};
constexpr FieldDescriptor kEmptyDirVolumeSourceFields[] = {S(1, "medium"), M(2, "sizeLimit", kQuantity)};
constexpr FieldDescriptor kSecretVolumeSourceFields[] = {
    S(1, "secretName"), M(2, "items", CORE "KeyToPath", R), I32(3, "defaultMode", P), Bool(4, "optional", P),
};
constexpr FieldDescriptor kKeyToPathFields[] = {S(1, "key", A), S(2, "path", A), I32(3, "mode", P)};
constexpr FieldDescriptor kNFSVolumeSourceFields[] = {S(1, "server", A), S(2, "path", A), Bool(3, "readOnly")};
constexpr FieldDescriptor kPersistentVolumeClaimVolumeSourceFields[] = {S(1, "claimName", A), Bool(2, "readOnly")};
constexpr FieldDescriptor kDownwardAPIVolumeSourceFields[] = {
    M(1, "items", CORE "DownwardAPIVolumeFile", R), I32(2, "defaultMode", P),
};
constexpr FieldDescriptor kDownwardAPIVolumeFileFields[] = {
    S(1, "path", A), M(2, "fieldRef", CORE "ObjectFieldSelector"),
    M(3, "resourceFieldRef", CORE "ResourceFieldSelector"), I32(4, "mode", P),
};
constexpr FieldDescriptor kConfigMapVolumeSourceFields[] = {
    M(1, "localObjectReference", CORE "LocalObjectReference", IN), M(2, "items", CORE "KeyToPath", R),
    I32(3, "defaultMode", P), Bool(4, "optional", P),
};
constexpr FieldDescriptor kProjectedVolumeSourceFields[] = {
    M(1, "sources", CORE "VolumeProjection", R), I32(2, "defaultMode", P),
};
constexpr FieldDescriptor kVolumeProjectionFields[] = {
    M(1, "secret", CORE "SecretProjection"), M(2, "downwardAPI", CORE "DownwardAPIProjection"),
    M(3, "configMap", CORE "ConfigMapProjection"), M(4, "serviceAccountToken", CORE "ServiceAccountTokenProjection"),
    M(5, "clusterTrustBundle", CORE "ClusterTrustBundleProjection"),
    M(6, "podCertificate", CORE "PodCertificateProjection"),
};
constexpr FieldDescriptor kObjectProjectionFields[] = {  // SecretProjection, ConfigMapProjection
    M(1, "localObjectReference", CORE "LocalObjectReference", IN), M(2, "items", CORE "KeyToPath", R),
    Bool(4, "optional", P),
};
constexpr FieldDescriptor kDownwardAPIProjectionFields[] = {M(1, "items", CORE "DownwardAPIVolumeFile", R)};
constexpr FieldDescriptor kServiceAccountTokenProjectionFields[] = {
    S(1, "audience"), I64(2, "expirationSeconds", P), S(3, "path", A),
};
constexpr FieldDescriptor kClusterTrustBundleProjectionFields[] = {
    S(1, "name", P), S(2, "signerName", P), M(3, "labelSelector", kLabelSelector), Bool(5, "optional", P),
    S(4, "path", A),
};
constexpr FieldDescriptor kPodCertificateProjectionFields[] = {
    S(1, "signerName"), S(2, "keyType"), I32(3, "maxExpirationSeconds", P), S(4, "credentialBundlePath"),
    S(5, "keyPath"), S(6, "certificateChainPath"), SMap(7, "userAnnotations"),
};
constexpr FieldDescriptor kCSIVolumeSourceFields[] = {
    S(1, "driver", A), Bool(2, "readOnly", P), S(3, "fsType", P), SMap(4, "volumeAttributes"),
    M(5, "nodePublishSecretRef", CORE "LocalObjectReference"),
};
constexpr FieldDescriptor kEphemeralVolumeSourceFields[] = {
    M(1, "volumeClaimTemplate", CORE "PersistentVolumeClaimTemplate"),
};
constexpr FieldDescriptor kPersistentVolumeClaimTemplateFields[] = {
    M(1, "metadata", kObjectMeta), M(2, "spec", CORE "PersistentVolumeClaimSpec"),
};
constexpr FieldDescriptor kPersistentVolumeClaimSpecFields[] = {
    S(1, "accessModes", R), M(4, "selector", kLabelSelector), M(2, "resources", CORE "VolumeResourceRequirements"),
    S(3, "volumeName"), S(5, "storageClassName", P), S(6, "volumeMode", P),
    M(7, "dataSource", CORE "TypedLocalObjectReference"), M(8, "dataSourceRef", CORE "TypedObjectReference"),
    S(9, "volumeAttributesClassName", P),
};
constexpr FieldDescriptor kVolumeResourceRequirementsFields[] = {
    MMap(1, "limits", kQuantity), MMap(2, "requests", kQuantity),
};
constexpr FieldDescriptor kImageVolumeSourceFields[] = {S(1, "reference"), S(2, "pullPolicy")};

// Pod status (clients send an empty one, but every field of it is known).
constexpr FieldDescriptor kPodStatusFields[] = {
    I64(17, "observedGeneration"), S(1, "phase"), M(2, "conditions", CORE "PodCondition", R), S(3, "message"),
    S(4, "reason"), S(11, "nominatedNodeName"), S(5, "hostIP"), M(16, "hostIPs", CORE "HostIP", R), S(6, "podIP"),
    M(12, "podIPs", CORE "PodIP", R), M(7, "startTime", kTime),
    M(10, "initContainerStatuses", CORE "ContainerStatus", R), M(8, "containerStatuses", CORE "ContainerStatus", R),
    S(9, "qosClass"), M(13, "ephemeralContainerStatuses", CORE "ContainerStatus", R), S(14, "resize"),
    M(15, "resourceClaimStatuses", CORE "PodResourceClaimStatus", R),
    M(18, "extendedResourceClaimStatus", CORE "PodExtendedResourceClaimStatus"),
    MMap(19, "allocatedResources", kQuantity), M(20, "resources", CORE "ResourceRequirements"),
};
constexpr FieldDescriptor kPodConditionFields[] = {
    S(1, "type", A), I64(7, "observedGeneration"), S(2, "status", A), M(3, "lastProbeTime", kTime),
    M(4, "lastTransitionTime", kTime), S(5, "reason"), S(6, "message"),
};
constexpr FieldDescriptor kIPFields[] = {S(1, "ip", A)};  // HostIP, PodIP
constexpr FieldDescriptor kContainerStatusFields[] = {
    S(1, "name", A), M(2, "state", CORE "ContainerState"), M(3, "lastState", CORE "ContainerState"),
    Bool(4, "ready", A), I32(5, "restartCount", A), S(6, "image", A), S(7, "imageID", A), S(8, "containerID"),
    Bool(9, "started", P), MMap(10, "allocatedResources", kQuantity), M(11, "resources", CORE "ResourceRequirements"),
    M(12, "volumeMounts", CORE "VolumeMountStatus", R), M(13, "user", CORE "ContainerUser"),
    M(14, "allocatedResourcesStatus", CORE "ResourceStatus", R), S(15, "stopSignal", P),
};
constexpr FieldDescriptor kContainerStateFields[] = {
    M(1, "waiting", CORE "ContainerStateWaiting"), M(2, "running", CORE "ContainerStateRunning"),
    M(3, "terminated", CORE "ContainerStateTerminated"),
};
constexpr FieldDescriptor kContainerStateWaitingFields[] = {S(1, "reason"), S(2, "message")};
constexpr FieldDescriptor kContainerStateRunningFields[] = {M(1, "startedAt", kTime)};
constexpr FieldDescriptor kContainerStateTerminatedFields[] = {
    I32(1, "exitCode", A), I32(2, "signal"), S(3, "reason"), S(4, "message"), M(5, "startedAt", kTime),
    M(6, "finishedAt", kTime), S(7, "containerID"),
};
constexpr FieldDescriptor kVolumeMountStatusFields[] = {
    S(1, "name", A), S(2, "mountPath", A), Bool(3, "readOnly"), S(4, "recursiveReadOnly", P),
    M(5, "volumeStatus", CORE "VolumeStatus", IN),
};
constexpr FieldDescriptor kVolumeStatusFields[] = {M(1, "image", CORE "ImageVolumeStatus")};
constexpr FieldDescriptor kImageVolumeStatusFields[] = {S(1, "imageRef", A)};
constexpr FieldDescriptor kContainerUserFields[] = {M(1, "linux", CORE "LinuxContainerUser")};
constexpr FieldDescriptor kLinuxContainerUserFields[] = {
    I64(1, "uid", A), I64(2, "gid", A), I64(3, "supplementalGroups", R),
};
constexpr FieldDescriptor kResourceStatusFields[] = {S(1, "name", A), M(2, "resources", CORE "ResourceHealth", R)};
constexpr FieldDescriptor kResourceHealthFields[] = {S(1, "resourceID", A), S(2, "health"), S(6, "message", P)};
constexpr FieldDescriptor kPodResourceClaimStatusFields[] = {S(1, "name", A), S(2, "resourceClaimName", P)};
constexpr FieldDescriptor kPodExtendedResourceClaimStatusFields[] = {
    M(1, "requestMappings", CORE "ContainerExtendedResourceRequest", R), S(2, "resourceClaimName", A),
};
constexpr FieldDescriptor kContainerExtendedResourceRequestFields[] = {
    S(1, "containerName", A), S(2, "resourceName", A), S(3, "requestName", A),
};

// --- apps/v1 ------------------------------------------------------------------------------------

constexpr FieldDescriptor kDeploymentFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", APPS "DeploymentSpec"), M(3, "status", APPS "DeploymentStatus"),
};
constexpr FieldDescriptor kDeploymentSpecFields[] = {
    I32(1, "replicas", P), M(2, "selector", kLabelSelector), M(3, "template", CORE "PodTemplateSpec"),
    M(4, "strategy", APPS "DeploymentStrategy"), I32(5, "minReadySeconds"), I32(6, "revisionHistoryLimit", P),
    Bool(7, "paused"), I32(9, "progressDeadlineSeconds", P), S(10, "podReplacementPolicy", P),
};
constexpr FieldDescriptor kDeploymentStrategyFields[] = {
    S(1, "type"), M(2, "rollingUpdate", APPS "RollingUpdateDeployment"),
};
constexpr FieldDescriptor kRollingUpdateDeploymentFields[] = {
    M(1, "maxUnavailable", kIntOrString), M(2, "maxSurge", kIntOrString),
};
constexpr FieldDescriptor kDeploymentStatusFields[] = {
    I64(1, "observedGeneration"), I32(2, "replicas"), I32(3, "updatedReplicas"), I32(7, "readyReplicas"),
    I32(4, "availableReplicas"), I32(5, "unavailableReplicas"), I32(9, "terminatingReplicas", P),
    M(6, "conditions", APPS "DeploymentCondition", R), I32(8, "collisionCount", P),
};
constexpr FieldDescriptor kDeploymentConditionFields[] = {
    S(1, "type", A), S(2, "status", A), M(6, "lastUpdateTime", kTime), M(7, "lastTransitionTime", kTime),
    S(4, "reason"), S(5, "message"),
};
constexpr FieldDescriptor kReplicaSetFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", APPS "ReplicaSetSpec"), M(3, "status", APPS "ReplicaSetStatus"),
};
constexpr FieldDescriptor kReplicaSetSpecFields[] = {
    I32(1, "replicas", P), I32(4, "minReadySeconds"), M(2, "selector", kLabelSelector),
    M(3, "template", CORE "PodTemplateSpec"),
};
constexpr FieldDescriptor kReplicaSetStatusFields[] = {
    I32(1, "replicas", A), I32(2, "fullyLabeledReplicas"), I32(4, "readyReplicas"), I32(5, "availableReplicas"),
    I32(7, "terminatingReplicas", P), I64(3, "observedGeneration"), M(6, "conditions", APPS "ReplicaSetCondition", R),
};
constexpr FieldDescriptor kReplicaSetConditionFields[] = {
    S(1, "type", A), S(2, "status", A), M(3, "lastTransitionTime", kTime), S(4, "reason"), S(5, "message"),
};

// --- batch/v1 -----------------------------------------------------------------------------------

constexpr FieldDescriptor kJobFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", BATCH "JobSpec"), M(3, "status", BATCH "JobStatus"),
};
constexpr FieldDescriptor kJobSpecFields[] = {
    I32(1, "parallelism", P), I32(2, "completions", P), I64(3, "activeDeadlineSeconds", P),
    M(11, "podFailurePolicy", BATCH "PodFailurePolicy"), M(16, "successPolicy", BATCH "SuccessPolicy"),
    I32(7, "backoffLimit", P), I32(12, "backoffLimitPerIndex", P), I32(13, "maxFailedIndexes", P),
    M(4, "selector", kLabelSelector), Bool(5, "manualSelector", P), M(6, "template", CORE "PodTemplateSpec"),
    I32(8, "ttlSecondsAfterFinished", P), S(9, "completionMode", P), Bool(10, "suspend", P),
    S(14, "podReplacementPolicy", P), S(15, "managedBy", P),
};
constexpr FieldDescriptor kJobStatusFields[] = {
    M(1, "conditions", BATCH "JobCondition", R), M(2, "startTime", kTime), M(3, "completionTime", kTime),
    I32(4, "active"), I32(5, "succeeded"), I32(6, "failed"), I32(11, "terminating", P), S(7, "completedIndexes"),
    S(10, "failedIndexes", P), M(8, "uncountedTerminatedPods", BATCH "UncountedTerminatedPods"), I32(9, "ready", P),
};
constexpr FieldDescriptor kJobConditionFields[] = {
    S(1, "type", A), S(2, "status", A), M(3, "lastProbeTime", kTime), M(4, "lastTransitionTime", kTime),
    S(5, "reason"), S(6, "message"),
};
constexpr FieldDescriptor kUncountedTerminatedPodsFields[] = {S(1, "succeeded", R), S(2, "failed", R)};
constexpr FieldDescriptor kPodFailurePolicyFields[] = {M(1, "rules", BATCH "PodFailurePolicyRule", R)};
constexpr FieldDescriptor kPodFailurePolicyRuleFields[] = {
    S(1, "action", A), M(2, "onExitCodes", BATCH "PodFailurePolicyOnExitCodesRequirement"),
    M(3, "onPodConditions", BATCH "PodFailurePolicyOnPodConditionsPattern", R),
};
constexpr FieldDescriptor kPodFailurePolicyOnExitCodesRequirementFields[] = {
    S(1, "containerName", P), S(2, "operator", A), I32(3, "values", R),
};
constexpr FieldDescriptor kPodFailurePolicyOnPodConditionsPatternFields[] = {S(1, "type", A), S(2, "status")};
constexpr FieldDescriptor kSuccessPolicyFields[] = {M(1, "rules", BATCH "SuccessPolicyRule", R)};
constexpr FieldDescriptor kSuccessPolicyRuleFields[] = {S(1, "succeededIndexes", P), I32(2, "succeededCount", P)};
constexpr FieldDescriptor kCronJobFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", BATCH "CronJobSpec"), M(3, "status", BATCH "CronJobStatus"),
};
constexpr FieldDescriptor kCronJobSpecFields[] = {
    S(1, "schedule", A), S(8, "timeZone", P), I64(2, "startingDeadlineSeconds", P), S(3, "concurrencyPolicy"),
    Bool(4, "suspend", P), M(5, "jobTemplate", BATCH "JobTemplateSpec"), I32(6, "successfulJobsHistoryLimit", P),
    I32(7, "failedJobsHistoryLimit", P),
};
constexpr FieldDescriptor kCronJobStatusFields[] = {
    M(1, "active", CORE "ObjectReference", R), M(4, "lastScheduleTime", kTime), M(5, "lastSuccessfulTime", kTime),
};
constexpr FieldDescriptor kJobTemplateSpecFields[] = {M(1, "metadata", kObjectMeta, A), M(2, "spec", BATCH "JobSpec")};

// --- rbac/v1 ------------------------------------------------------------------------------------

constexpr FieldDescriptor kRoleFields[] = {M(1, "metadata", kObjectMeta, A), M(2, "rules", RBAC "PolicyRule", R)};
constexpr FieldDescriptor kClusterRoleFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "rules", RBAC "PolicyRule", R),
    M(3, "aggregationRule", RBAC "AggregationRule"),
};
constexpr FieldDescriptor kAggregationRuleFields[] = {M(1, "clusterRoleSelectors", kLabelSelector, R)};
constexpr FieldDescriptor kPolicyRuleFields[] = {
    S(1, "verbs", R), S(2, "apiGroups", R), S(3, "resources", R), S(4, "resourceNames", R),
    S(5, "nonResourceURLs", R),
};
constexpr FieldDescriptor kRoleBindingFields[] = {  // RoleBinding, ClusterRoleBinding
    M(1, "metadata", kObjectMeta, A), M(2, "subjects", RBAC "Subject", R), M(3, "roleRef", RBAC "RoleRef"),
};
constexpr FieldDescriptor kRoleRefFields[] = {S(1, "apiGroup", A), S(2, "kind", A), S(3, "name", A)};
constexpr FieldDescriptor kSubjectFields[] = {S(1, "kind", A), S(2, "apiGroup"), S(3, "name", A), S(4, "namespace")};

// --- policy/v1 ----------------------------------------------------------------------------------

constexpr FieldDescriptor kPodDisruptionBudgetFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", POLICY "PodDisruptionBudgetSpec"),
    M(3, "status", POLICY "PodDisruptionBudgetStatus"),
};
constexpr FieldDescriptor kPodDisruptionBudgetSpecFields[] = {
    M(1, "minAvailable", kIntOrString), M(2, "selector", kLabelSelector), M(3, "maxUnavailable", kIntOrString),
    S(4, "unhealthyPodEvictionPolicy", P),
};
constexpr FieldDescriptor kPodDisruptionBudgetStatusFields[] = {
    I64(1, "observedGeneration"), MMap(2, "disruptedPods", kTime), I32(3, "disruptionsAllowed", A),
    I32(4, "currentHealthy", A), I32(5, "desiredHealthy", A), I32(6, "expectedPods", A),
    M(7, "conditions", kCondition, R),
};

// --- networking/v1 ------------------------------------------------------------------------------

constexpr FieldDescriptor kIngressFields[] = {
    M(1, "metadata", kObjectMeta, A), M(2, "spec", NET "IngressSpec"), M(3, "status", NET "IngressStatus"),
};
constexpr FieldDescriptor kIngressSpecFields[] = {
    S(4, "ingressClassName", P), M(1, "defaultBackend", NET "IngressBackend"), M(2, "tls", NET "IngressTLS", R),
    M(3, "rules", NET "IngressRule", R),
};
constexpr FieldDescriptor kIngressBackendFields[] = {
    M(4, "service", NET "IngressServiceBackend"), M(3, "resource", CORE "TypedLocalObjectReference"),
};
constexpr FieldDescriptor kIngressServiceBackendFields[] = {S(1, "name", A), M(2, "port", NET "ServiceBackendPort")};
constexpr FieldDescriptor kServiceBackendPortFields[] = {S(1, "name"), I32(2, "number")};
constexpr FieldDescriptor kIngressTLSFields[] = {S(1, "hosts", R), S(2, "secretName")};
constexpr FieldDescriptor kIngressRuleFields[] = {
    S(1, "host"), M(2, "ingressRuleValue", NET "IngressRuleValue", IN),
};
constexpr FieldDescriptor kIngressRuleValueFields[] = {M(1, "http", NET "HTTPIngressRuleValue")};
constexpr FieldDescriptor kHTTPIngressRuleValueFields[] = {M(1, "paths", NET "HTTPIngressPath", R)};
constexpr FieldDescriptor kHTTPIngressPathFields[] = {
    S(1, "path"), S(3, "pathType", P), M(2, "backend", NET "IngressBackend"),
};
constexpr FieldDescriptor kIngressStatusFields[] = {M(1, "loadBalancer", NET "IngressLoadBalancerStatus")};
constexpr FieldDescriptor kIngressLoadBalancerStatusFields[] = {M(1, "ingress", NET "IngressLoadBalancerIngress", R)};
constexpr FieldDescriptor kIngressLoadBalancerIngressFields[] = {
    S(1, "ip"), S(2, "hostname"), M(4, "ports", NET "IngressPortStatus", R),
};
constexpr FieldDescriptor kIngressPortStatusFields[] = {I32(1, "port", A), S(2, "protocol", A), S(3, "error", P)};

// --- coordination/v1 ----------------------------------------------------------------------------

constexpr FieldDescriptor kLeaseFields[] = {M(1, "metadata", kObjectMeta, A), M(2, "spec", COORD "LeaseSpec")};
constexpr FieldDescriptor kLeaseSpecFields[] = {
    S(1, "holderIdentity", P), I32(2, "leaseDurationSeconds", P), M(3, "acquireTime", kMicroTime),
    M(4, "renewTime", kMicroTime), I32(5, "leaseTransitions", P), S(6, "strategy", P), S(7, "preferredHolder", P),
};

// --- the registry -------------------------------------------------------------------------------

using F = MessageForm;
constexpr MessageDescriptor kMessages[] = {
    {kTime, kTimeFields, F::kTime},
    {kMicroTime, kTimeFields, F::kMicroTime},
    {kIntOrString, kIntOrStringFields, F::kIntOrString},
    {kQuantity, kQuantityFields, F::kQuantity},
    {META "FieldsV1", kFieldsV1Fields, F::kFieldsV1},
    {kObjectMeta, kObjectMetaFields},
    {META "OwnerReference", kOwnerReferenceFields},
    {META "ManagedFieldsEntry", kManagedFieldsEntryFields},
    {kLabelSelector, kLabelSelectorFields},
    {META "LabelSelectorRequirement", kLabelSelectorRequirementFields},
    {kCondition, kConditionFields},
    {META "DeleteOptions", kDeleteOptionsFields},
    {META "Preconditions", kPreconditionsFields},

    {CORE "LocalObjectReference", kLocalObjectReferenceFields},
    {CORE "ObjectReference", kObjectReferenceFields},
    {CORE "TypedLocalObjectReference", kTypedLocalObjectReferenceFields},
    {CORE "TypedObjectReference", kTypedObjectReferenceFields},
    {CORE "ObjectFieldSelector", kObjectFieldSelectorFields},
    {CORE "ResourceFieldSelector", kResourceFieldSelectorFields},
    {CORE "ConfigMapKeySelector", kKeySelectorFields},
    {CORE "SecretKeySelector", kKeySelectorFields},
    {CORE "FileKeySelector", kFileKeySelectorFields},
    {CORE "ConfigMapEnvSource", kEnvSourceFields},
    {CORE "SecretEnvSource", kEnvSourceFields},

    {CORE "Namespace", kNamespaceFields},
    {CORE "NamespaceSpec", kNamespaceSpecFields},
    {CORE "NamespaceStatus", kNamespaceStatusFields},
    {CORE "NamespaceCondition", kNamespaceConditionFields},
    {CORE "ServiceAccount", kServiceAccountFields},
    {CORE "Secret", kSecretFields},
    {CORE "ConfigMap", kConfigMapFields},
    {CORE "Event", kEventFields},
    {CORE "EventSource", kEventSourceFields},
    {CORE "EventSeries", kEventSeriesFields},

    {CORE "Service", kServiceFields},
    {CORE "ServiceSpec", kServiceSpecFields},
    {CORE "ServicePort", kServicePortFields},
    {CORE "SessionAffinityConfig", kSessionAffinityConfigFields},
    {CORE "ClientIPConfig", kClientIPConfigFields},
    {CORE "ServiceStatus", kServiceStatusFields},
    {CORE "LoadBalancerStatus", kLoadBalancerStatusFields},
    {CORE "LoadBalancerIngress", kLoadBalancerIngressFields},
    {CORE "PortStatus", kPortStatusFields},

    {CORE "Pod", kPodFields},
    {CORE "PodTemplateSpec", kPodTemplateSpecFields},
    {CORE "PodSpec", kPodSpecFields},
    {CORE "Container", kContainerFields},
    {CORE "EphemeralContainer", kEphemeralContainerFields},
    {CORE "EphemeralContainerCommon", kContainerFields},
    {CORE "ContainerPort", kContainerPortFields},
    {CORE "ContainerResizePolicy", kContainerResizePolicyFields},
    {CORE "ContainerRestartRule", kContainerRestartRuleFields},
    {CORE "ContainerRestartRuleOnExitCodes", kContainerRestartRuleOnExitCodesFields},
    {CORE "EnvFromSource", kEnvFromSourceFields},
    {CORE "EnvVar", kEnvVarFields},
    {CORE "EnvVarSource", kEnvVarSourceFields},
    {CORE "ResourceRequirements", kResourceRequirementsFields},
    {CORE "ResourceClaim", kResourceClaimFields},
    {CORE "VolumeMount", kVolumeMountFields},
    {CORE "VolumeDevice", kVolumeDeviceFields},
    {CORE "Probe", kProbeFields},
    {CORE "ProbeHandler", kProbeHandlerFields},
    {CORE "ExecAction", kExecActionFields},
    {CORE "HTTPGetAction", kHTTPGetActionFields},
    {CORE "HTTPHeader", kHTTPHeaderFields},
    {CORE "TCPSocketAction", kTCPSocketActionFields},
    {CORE "GRPCAction", kGRPCActionFields},
    {CORE "Lifecycle", kLifecycleFields},
    {CORE "LifecycleHandler", kLifecycleHandlerFields},
    {CORE "SleepAction", kSleepActionFields},
    {CORE "SecurityContext", kSecurityContextFields},
    {CORE "PodSecurityContext", kPodSecurityContextFields},
    {CORE "Capabilities", kCapabilitiesFields},
    {CORE "SELinuxOptions", kSELinuxOptionsFields},
    {CORE "WindowsSecurityContextOptions", kWindowsSecurityContextOptionsFields},
    {CORE "SeccompProfile", kProfileFields},
    {CORE "AppArmorProfile", kProfileFields},
    {CORE "Ulimit", kUlimitFields},
    {CORE "Sysctl", kSysctlFields},
    {CORE "Toleration", kTolerationFields},
    {CORE "HostAlias", kHostAliasFields},
    {CORE "PodDNSConfig", kPodDNSConfigFields},
    {CORE "PodDNSConfigOption", kPodDNSConfigOptionFields},
    {CORE "PodReadinessGate", kPodReadinessGateFields},
    {CORE "TopologySpreadConstraint", kTopologySpreadConstraintFields},
    {CORE "PodOS", kNameOnlyFields},
    {CORE "PodSchedulingGate", kNameOnlyFields},
    {CORE "PodResourceClaim", kPodResourceClaimFields},
    {CORE "WorkloadReference", kWorkloadReferenceFields},
    {CORE "Affinity", kAffinityFields},
    {CORE "NodeAffinity", kNodeAffinityFields},
    {CORE "NodeSelector", kNodeSelectorFields},
    {CORE "NodeSelectorTerm", kNodeSelectorTermFields},
    {CORE "NodeSelectorRequirement", kNodeSelectorRequirementFields},
    {CORE "PreferredSchedulingTerm", kPreferredSchedulingTermFields},
    {CORE "PodAffinity", kPodAffinityFields},
    {CORE "PodAntiAffinity", kPodAffinityFields},
    {CORE "PodAffinityTerm", kPodAffinityTermFields},
    {CORE "WeightedPodAffinityTerm", kWeightedPodAffinityTermFields},
    {CORE "Volume", kVolumeFields},
    {CORE "VolumeSource", kVolumeSourceFields},
    {CORE "HostPathVolumeSource", kHostPathVolumeSourceFields},
    {CORE "EmptyDirVolumeSource", kEmptyDirVolumeSourceFields},
    {CORE "SecretVolumeSource", kSecretVolumeSourceFields},
    {CORE "KeyToPath", kKeyToPathFields},
    {CORE "NFSVolumeSource", kNFSVolumeSourceFields},
    {CORE "PersistentVolumeClaimVolumeSource", kPersistentVolumeClaimVolumeSourceFields},
    {CORE "DownwardAPIVolumeSource", kDownwardAPIVolumeSourceFields},
    {CORE "DownwardAPIVolumeFile", kDownwardAPIVolumeFileFields},
    {CORE "ConfigMapVolumeSource", kConfigMapVolumeSourceFields},
    {CORE "ProjectedVolumeSource", kProjectedVolumeSourceFields},
    {CORE "VolumeProjection", kVolumeProjectionFields},
    {CORE "SecretProjection", kObjectProjectionFields},
    {CORE "ConfigMapProjection", kObjectProjectionFields},
    {CORE "DownwardAPIProjection", kDownwardAPIProjectionFields},
    {CORE "ServiceAccountTokenProjection", kServiceAccountTokenProjectionFields},
    {CORE "ClusterTrustBundleProjection", kClusterTrustBundleProjectionFields},
    {CORE "PodCertificateProjection", kPodCertificateProjectionFields},
    {CORE "CSIVolumeSource", kCSIVolumeSourceFields},
    {CORE "EphemeralVolumeSource", kEphemeralVolumeSourceFields},
    {CORE "PersistentVolumeClaimTemplate", kPersistentVolumeClaimTemplateFields},
    {CORE "PersistentVolumeClaimSpec", kPersistentVolumeClaimSpecFields},
    {CORE "VolumeResourceRequirements", kVolumeResourceRequirementsFields},
    {CORE "ImageVolumeSource", kImageVolumeSourceFields},
    {CORE "PodStatus", kPodStatusFields},
    {CORE "PodCondition", kPodConditionFields},
    {CORE "HostIP", kIPFields},
    {CORE "PodIP", kIPFields},
    {CORE "ContainerStatus", kContainerStatusFields},
    {CORE "ContainerState", kContainerStateFields},
    {CORE "ContainerStateWaiting", kContainerStateWaitingFields},
    {CORE "ContainerStateRunning", kContainerStateRunningFields},
    {CORE "ContainerStateTerminated", kContainerStateTerminatedFields},
    {CORE "VolumeMountStatus", kVolumeMountStatusFields},
    {CORE "VolumeStatus", kVolumeStatusFields},
    {CORE "ImageVolumeStatus", kImageVolumeStatusFields},
    {CORE "ContainerUser", kContainerUserFields},
    {CORE "LinuxContainerUser", kLinuxContainerUserFields},
    {CORE "ResourceStatus", kResourceStatusFields},
    {CORE "ResourceHealth", kResourceHealthFields},
    {CORE "PodResourceClaimStatus", kPodResourceClaimStatusFields},
    {CORE "PodExtendedResourceClaimStatus", kPodExtendedResourceClaimStatusFields},
    {CORE "ContainerExtendedResourceRequest", kContainerExtendedResourceRequestFields},

    {APPS "Deployment", kDeploymentFields},
    {APPS "DeploymentSpec", kDeploymentSpecFields},
    {APPS "DeploymentStrategy", kDeploymentStrategyFields},
    {APPS "RollingUpdateDeployment", kRollingUpdateDeploymentFields},
    {APPS "DeploymentStatus", kDeploymentStatusFields},
    {APPS "DeploymentCondition", kDeploymentConditionFields},
    {APPS "ReplicaSet", kReplicaSetFields},
    {APPS "ReplicaSetSpec", kReplicaSetSpecFields},
    {APPS "ReplicaSetStatus", kReplicaSetStatusFields},
    {APPS "ReplicaSetCondition", kReplicaSetConditionFields},

    {BATCH "Job", kJobFields},
    {BATCH "JobSpec", kJobSpecFields},
    {BATCH "JobStatus", kJobStatusFields},
    {BATCH "JobCondition", kJobConditionFields},
    {BATCH "UncountedTerminatedPods", kUncountedTerminatedPodsFields},
    {BATCH "PodFailurePolicy", kPodFailurePolicyFields},
    {BATCH "PodFailurePolicyRule", kPodFailurePolicyRuleFields},
    {BATCH "PodFailurePolicyOnExitCodesRequirement", kPodFailurePolicyOnExitCodesRequirementFields},
    {BATCH "PodFailurePolicyOnPodConditionsPattern", kPodFailurePolicyOnPodConditionsPatternFields},
    {BATCH "SuccessPolicy", kSuccessPolicyFields},
    {BATCH "SuccessPolicyRule", kSuccessPolicyRuleFields},
    {BATCH "CronJob", kCronJobFields},
    {BATCH "CronJobSpec", kCronJobSpecFields},
    {BATCH "CronJobStatus", kCronJobStatusFields},
    {BATCH "JobTemplateSpec", kJobTemplateSpecFields},

    {RBAC "Role", kRoleFields},
    {RBAC "ClusterRole", kClusterRoleFields},
    {RBAC "AggregationRule", kAggregationRuleFields},
    {RBAC "PolicyRule", kPolicyRuleFields},
    {RBAC "RoleBinding", kRoleBindingFields},
    {RBAC "ClusterRoleBinding", kRoleBindingFields},
    {RBAC "RoleRef", kRoleRefFields},
    {RBAC "Subject", kSubjectFields},

    {POLICY "PodDisruptionBudget", kPodDisruptionBudgetFields},
    {POLICY "PodDisruptionBudgetSpec", kPodDisruptionBudgetSpecFields},
    {POLICY "PodDisruptionBudgetStatus", kPodDisruptionBudgetStatusFields},

    {NET "Ingress", kIngressFields},
    {NET "IngressSpec", kIngressSpecFields},
    {NET "IngressBackend", kIngressBackendFields},
    {NET "IngressServiceBackend", kIngressServiceBackendFields},
    {NET "ServiceBackendPort", kServiceBackendPortFields},
    {NET "IngressTLS", kIngressTLSFields},
    {NET "IngressRule", kIngressRuleFields},
    {NET "IngressRuleValue", kIngressRuleValueFields},
    {NET "HTTPIngressRuleValue", kHTTPIngressRuleValueFields},
    {NET "HTTPIngressPath", kHTTPIngressPathFields},
    {NET "IngressStatus", kIngressStatusFields},
    {NET "IngressLoadBalancerStatus", kIngressLoadBalancerStatusFields},
    {NET "IngressLoadBalancerIngress", kIngressLoadBalancerIngressFields},
    {NET "IngressPortStatus", kIngressPortStatusFields},

    {COORD "Lease", kLeaseFields},
    {COORD "LeaseSpec", kLeaseSpecFields},
};

constexpr KindDescriptor kKinds[] = {
    {"v1", "Namespace", CORE "Namespace"},
    {"v1", "ServiceAccount", CORE "ServiceAccount"},
    {"v1", "Secret", CORE "Secret"},
    {"v1", "ConfigMap", CORE "ConfigMap"},
    {"v1", "Service", CORE "Service"},
    {"v1", "Pod", CORE "Pod"},
    {"v1", "Event", CORE "Event"},
    {"apps/v1", "Deployment", APPS "Deployment"},
    {"apps/v1", "ReplicaSet", APPS "ReplicaSet"},
    {"batch/v1", "Job", BATCH "Job"},
    {"batch/v1", "CronJob", BATCH "CronJob"},
    {"rbac.authorization.k8s.io/v1", "Role", RBAC "Role"},
    {"rbac.authorization.k8s.io/v1", "ClusterRole", RBAC "ClusterRole"},
    {"rbac.authorization.k8s.io/v1", "RoleBinding", RBAC "RoleBinding"},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", RBAC "ClusterRoleBinding"},
    {"policy/v1", "PodDisruptionBudget", POLICY "PodDisruptionBudget"},
    {"networking.k8s.io/v1", "Ingress", NET "Ingress"},
    {"coordination.k8s.io/v1", "Lease", COORD "Lease"},
    {"*", "DeleteOptions", META "DeleteOptions"},
};

#undef META
#undef CORE
#undef APPS
#undef BATCH
#undef RBAC
#undef NET
#undef POLICY
#undef COORD

}  // namespace

const FieldDescriptor* MessageDescriptor::Find(uint32_t number) const {
  for (const FieldDescriptor& f : fields) {
    if (f.number == number) return &f;
  }
  return nullptr;
}

std::string_view MessageDescriptor::ShortName() const {
  const size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

const MessageDescriptor* FindMessage(std::string_view name) {
  static const std::unordered_map<std::string_view, const MessageDescriptor*> index = [] {
    std::unordered_map<std::string_view, const MessageDescriptor*> m;
    for (const MessageDescriptor& d : kMessages) m.emplace(d.name, &d);
    return m;
  }();
  auto it = index.find(name);
  return it == index.end() ? nullptr : it->second;
}

const MessageDescriptor* FindKind(std::string_view api_version, std::string_view kind) {
  for (const KindDescriptor& k : kKinds) {
    if (k.kind == kind && (k.api_version == "*" || k.api_version == api_version)) return FindMessage(k.message);
  }
  return nullptr;
}

std::span<const MessageDescriptor> AllMessages() { return kMessages; }
std::span<const KindDescriptor> AllKinds() { return kKinds; }

}  // namespace kubesim::protodesc
