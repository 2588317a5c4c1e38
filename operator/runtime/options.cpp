#include "runtime/options.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

namespace jd {
namespace {

// One string-valued setting: its flag, its environment variable, and the raw value after the
// flag-over-env precedence is applied. `origin` is what error messages name.
struct Setting {
  std::string flag;  // "--log-format"
  std::string env;   // "JD_LOG_FORMAT"
  std::string value;
  std::string origin;
  CLI::Option* option = nullptr;
  bool given = false;  // by the flag or the variable
};

std::string EnvNameFor(const std::string& flag) {
  std::string name = "JD_";
  for (char c : flag.substr(2)) name += (c == '-') ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string Quote(const std::string& s) { return "\"" + s + "\""; }

Error NotOneOf(const Setting& s, const char* accepted) {
  return Error{s.origin + ": " + Quote(s.value) + " is not one of " + accepted};
}

// Flag wins; an unset or empty variable counts as not given.
void ApplyPrecedence(Setting& s, const Environment& env) {
  if (s.option->count() > 0) {
    s.given = true;
    s.origin = s.flag;
    return;
  }
  const std::string from_env = env.Get(s.env);
  if (!from_env.empty()) {
    s.value = from_env;
    s.given = true;
    s.origin = s.env;
  }
}

bool IsDnsLabel(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  const auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
  return std::all_of(s.begin(), s.end(), ok) && s.front() != '-' && s.back() != '-';
}

bool IsDnsSubdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  std::stringstream parts(s);
  std::size_t labels = 0;
  for (std::string label; std::getline(parts, label, '.');) {
    if (!IsDnsLabel(label)) return false;
    ++labels;
  }
  return labels > 0 && s.back() != '.';
}

constexpr char kNamespaceRule[] =
    "is not a valid namespace name (lowercase letters, digits and '-', starting and ending with a letter or digit, "
    "at most 63 characters)";

bool IsAllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "host:port", ":port" or "0". Host: a name/IPv4 address, or a bracketed IPv6 address.
bool IsBindAddress(const std::string& s) {
  if (s == "0") return true;
  const auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  const std::string host = s.substr(0, colon);
  const std::string port = s.substr(colon + 1);
  if (!IsAllDigits(port) || port.size() > 5 || std::stoi(port) > 65535) return false;
  if (host.empty()) return true;
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    return std::all_of(host.begin() + 1, host.end() - 1,
                       [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.'; });
  }
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
  });
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

}  // namespace

StatusOr<Options> ParseOptions(int argc, const char* const* argv, const Environment& env) {
  Options options;
  const bool in_cluster = !env.Get("KUBERNETES_SERVICE_HOST").empty();
  options.log_format = in_cluster ? "json" : "text";

  CLI::App app{"justdriving-operator: reconciles JustDriving environments and releases.\n"
               "Every flag can also be set by the environment variable named in its description; the flag wins.",
               "justdriving-operator"};
  app.get_formatter()->column_width(40);

  Setting kubeconfig{"--kubeconfig", "", "", "", nullptr, false};
  Setting context{"--context", "", "", "", nullptr, false};
  Setting leader_elect{"--leader-elect", "", "", "", nullptr, false};
  Setting le_namespace{"--leader-election-namespace", "", "", "", nullptr, false};
  Setting le_id{"--leader-election-id", "", options.leader_election_id, "", nullptr, false};
  Setting metrics{"--metrics-bind-address", "", options.metrics_bind_address, "", nullptr, false};
  Setting probes{"--health-probe-bind-address", "", options.health_probe_bind_address, "", nullptr, false};
  Setting log_format{"--log-format", "", options.log_format, "", nullptr, false};
  Setting log_level{"--log-level", "", options.log_level, "", nullptr, false};
  Setting workers{"--max-concurrent-reconciles", "", "1", "", nullptr, false};
  std::vector<Setting*> scalars = {&kubeconfig, &context,   &le_namespace, &le_id,     &metrics,
                                   &probes,     &log_format, &log_level,   &workers};

  const auto describe = [](const std::string& text, const std::string& env_name) {
    return text + " (env " + env_name + ")";
  };
  const std::vector<std::string> help = {
      "Path to a kubeconfig; else $KUBECONFIG, in-cluster config, then $HOME/.kube/config",
      "Kubeconfig context to use (default: current-context)",
      "Namespace of the leader election Lease (default: the operator's own namespace)",
      "Name of the leader election Lease",
      "Address for the metrics endpoint: host:port, :port, or 0 to disable",
      "Address for /healthz and /readyz: host:port, :port, or 0 to disable",
      "Log format: json or text (default: json in a pod, else text)",
      "Log level: debug, info, warn or error",
      "Number of reconciles that may run at once per controller (a positive integer)"};
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    Setting& s = *scalars[i];
    s.env = EnvNameFor(s.flag);
    s.option = app.add_option(s.flag, s.value, describe(help[i], s.env))
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // Go flags: last wins
  }

  std::vector<std::string> namespace_values;
  Setting namespaces{"--namespace", "JD_NAMESPACE", "", "", nullptr, false};
  namespaces.option =
      app.add_option("--namespace", namespace_values,
                     describe("Namespace to watch; repeat or comma-separate for several (default: all)",
                              namespaces.env))
          ->delimiter(',')
          ->type_size(1)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);

  leader_elect.env = EnvNameFor(leader_elect.flag);
  leader_elect.option = app.add_flag("--leader-elect{true}", leader_elect.value,
                                     describe("Enable leader election (--leader-elect or --leader-elect=false)",
                                              leader_elect.env));

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success&) {  // --help / -h
    Options help_only;
    help_only.help_requested = true;
    help_only.help_text = app.help();
    return help_only;
  } catch (const CLI::ParseError& e) {
    return Error{std::string(e.what()) + "; run with --help for the list of flags"};
  }

  for (Setting* s : scalars) ApplyPrecedence(*s, env);
  ApplyPrecedence(leader_elect, env);

  // Validation in flag order; the first problem wins.
  options.kubeconfig = kubeconfig.value;
  options.context = context.value;

  if (namespaces.option->count() > 0) {
    namespaces.origin = namespaces.flag;
  } else if (const std::string from_env = env.Get(namespaces.env); !from_env.empty()) {
    namespaces.origin = namespaces.env;
    namespace_values = SplitCommas(from_env);
  }
  for (const std::string& ns : namespace_values) {
    if (!IsDnsLabel(ns)) return Error{namespaces.origin + ": " + Quote(ns) + " " + kNamespaceRule};
    if (std::find(options.namespaces.begin(), options.namespaces.end(), ns) == options.namespaces.end()) {
      options.namespaces.push_back(ns);
    }
  }

  if (leader_elect.given) {
    std::string v = leader_elect.value;
    std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
    if (v == "true" || v == "1") {
      options.leader_elect = true;
    } else if (v == "false" || v == "0") {
      options.leader_elect = false;
    } else {
      return NotOneOf(leader_elect, "true, false");
    }
  }

  if (le_namespace.given && !IsDnsLabel(le_namespace.value)) {
    return Error{le_namespace.origin + ": " + Quote(le_namespace.value) + " " + kNamespaceRule};
  }
  options.leader_election_namespace = le_namespace.value;

  if (!IsDnsSubdomain(le_id.value)) {
    return Error{le_id.origin + ": " + Quote(le_id.value) +
                 " is not a valid Lease name (lowercase letters, digits, '-' and '.', at most 253 characters)"};
  }
  options.leader_election_id = le_id.value;

  for (Setting* s : {&metrics, &probes}) {
    if (!IsBindAddress(s->value)) {
      return Error{s->origin + ": " + Quote(s->value) + " is not host:port, :port or 0 (to disable)"};
    }
  }
  options.metrics_bind_address = metrics.value;
  options.health_probe_bind_address = probes.value;

  if (log_format.value != "json" && log_format.value != "text") return NotOneOf(log_format, "json, text");
  options.log_format = log_format.value;

  const std::vector<std::string> levels = {"debug", "info", "warn", "error"};
  if (std::find(levels.begin(), levels.end(), log_level.value) == levels.end()) {
    return NotOneOf(log_level, "debug, info, warn, error");
  }
  options.log_level = log_level.value;

  int count = 0;
  const auto& w = workers.value;
  const auto [end, ec] = std::from_chars(w.data(), w.data() + w.size(), count);
  if (w.empty() || ec != std::errc() || end != w.data() + w.size() || count < 1) {
    return Error{workers.origin + ": " + Quote(w) + " is not a positive integer"};
  }
  options.max_concurrent_reconciles = count;
  return options;
}

}  // namespace jd
