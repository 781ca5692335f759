package io.github.llamacppsdk.internal.spec;

/**
 * Not API. Host normalisation and the URLs derived from host, port and prefix (IPv6
 * brackets only in URLs, wildcard hosts reached through loopback, health under the prefix).
 */
public final class SpecUrls {
  private SpecUrls() {}

  /**
   * {@return the reason a host is unusable, or {@code null} if it is fine} {@code host} is non-blank.
   */
  public static String hostProblem(String host) {
    if (host.endsWith(".sock")) {
      return "Unix-socket hosts are not supported yet; use a host name or IP address.";
    }
    if (host.startsWith("[") || host.endsWith("]")) {
      if (!(host.startsWith("[") && host.endsWith("]")) || host.length() < 4 || host.indexOf(':') < 0) {
        return "brackets are only allowed around an IPv6 address, e.g. [::1].";
      }
      host = host.substring(1, host.length() - 1);
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || "/?#@[]\\".indexOf(c) >= 0) {
        return "must be a host name or IP address, not a URL or path (it contains '" + printable(c) + "').";
      }
    }
    String inUrl = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    try {
      if (new java.net.URI("http://" + inUrl + ":1/").getHost() == null) {
        // java.net.URI (and every JDK HTTP client) takes no '_' in a name: the endpoint's URLs would not work
        return "is not a host name a URL can carry: use letters, digits, '-' and '.' (no '_'), or an IP address.";
      }
    } catch (java.net.URISyntaxException e) {
      return "is not a host name a URL can carry: " + e.getReason() + ".";
    }
    return null;
  }

  private static String printable(char c) {
    return Character.isWhitespace(c) || Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }

  /** {@return the host without IPv6 brackets, as {@code --host} gets it} */
  public static String stripBrackets(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }

  /**
   * {@return the host a client on this machine uses to reach a server bound to {@code host}:
   * wildcards map to loopback}
   */
  public static String reachableHost(String host) {
    if (host.equals("0.0.0.0")) {
      return "127.0.0.1";
    }
    if (host.equals("::") || host.equals("0:0:0:0:0:0:0:0")) {
      return "::1";
    }
    return host;
  }

  /** {@return {@code http://HOST:PORT}, IPv6 in brackets, wildcards replaced by loopback} */
  public static String rootUrl(String host, int port) {
    String h = reachableHost(host);
    if (h.indexOf(':') >= 0) {
      h = "[" + h.replace("%", "%25") + "]";
    }
    return "http://" + h + ":" + port;
  }

  /** {@return the api_prefix normalisation: leading slash, no trailing slashes, "" for none} */
  public static String normalisePrefix(String prefix) {
    if (prefix.isEmpty()) {
      return "";
    }
    String p = prefix.startsWith("/") ? prefix : "/" + prefix;
    int end = p.length();
    while (end > 0 && p.charAt(end - 1) == '/') {
      end--;
    }
    return p.substring(0, end);
  }

  /** {@return the reason an api prefix is unusable, or {@code null}} */
  public static String prefixProblem(String prefix) {
    for (int i = 0; i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '?' || c == '#' || c == '%') {
        return "must be a plain URL path such as /llama (no spaces, '?', '#' or '%').";
      }
    }
    return null;
  }
}
