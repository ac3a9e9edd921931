package org.apache.dubbo.samples.peer;

import java.util.HashMap;
import java.util.Map;

/** Parses --key=value / --key value command-line arguments. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String s = argv[i];
            if (!s.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + s);
            }
            s = s.substring(2);
            int eq = s.indexOf('=');
            if (eq >= 0) {
                a.values.put(s.substring(0, eq), s.substring(eq + 1));
            } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) {
                a.values.put(s, argv[++i]);
            } else {
                a.values.put(s, "true");
            }
        }
        return a;
    }

    String get(String key, String def) {
        return values.getOrDefault(key, def);
    }

    int intValue(String key, int def) {
        String v = values.get(key);
        return v == null ? def : Integer.parseInt(v);
    }
}
