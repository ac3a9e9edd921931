package org.apache.dubbo.samples.peer;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.samples.api.GreetingsService;
import org.apache.dubbo.samples.api.User;
import org.apache.dubbo.samples.api.UserService;

/**
 * Java Dubbo consumer as a load generator of Pulse's benchmark harness (integration/bench): the
 * same closed loop and the same one-line JSON report as the harness's Go package loadgen.
 *
 * <pre>
 * LoadGen --target 127.0.0.1:20880 [--label server] [--kind hi|hi4k|user] [--c callers]
 *         [--warmup-ms 1000] [--d-ms 5000] [--server-pid pid] [--server-stats host:port]
 * LoadGen --serve
 * </pre>
 *
 * The first form measures one point and prints its report. With --serve, the JVM stays up for
 * a whole run of the harness, so that its JIT warms up once as a Java service's does: it prints
 * "ready", then reads one point per line on stdin (the flags of the first form) and answers each
 * with a report line, or "error ..." ; it exits at the end of stdin. Dubbo references are made
 * once per target and service.
 *
 * Every caller thread makes one call at a time through one Dubbo reference (one shared
 * connection, Dubbo's default); only calls that start and end inside the measured window count.
 * Latencies go into a per-thread log-linear histogram with the loadgen's buckets (2^7 per power
 * of two, under 1% error). CPU of this process and of the server is utime+stime from
 * /proc/PID/stat around the window; the server's heap allocations come from its stats endpoint
 * when it has one (Go servers). This JVM's allocations are not counted (-1 in the report).
 */
public final class LoadGen {
    private static final int SUB_BITS = 7;
    private static final int SUB_COUNT = 1 << SUB_BITS;
    private static final double CLOCK_TICKS = 100; // USER_HZ

    private LoadGen() {
    }

    /** One call; returns null when the answer is the contract's, else what was wrong. */
    private interface Call {
        String call();
    }

    public static void main(String[] argv) throws Exception {
        Peer.loopbackOnly();
        Args args = Args.parse(argv);
        ApplicationConfig app = Peer.application("pulse-bench-java-consumer");
        Map<String, Object> refs = new HashMap<>();
        if (!"true".equals(args.get("serve", "false"))) {
            String report;
            try {
                report = point(args, app, refs);
            } catch (IllegalArgumentException e) {
                System.err.println("loadgen: " + e.getMessage());
                Runtime.getRuntime().halt(2);
                return;
            }
            Peer.say(report);
            // Dubbo's shutdown hooks wait for nothing a load generator needs.
            Runtime.getRuntime().halt(0);
        }
        Peer.say("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null;) {
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            try {
                Peer.say(point(Args.parse(line.split("\\s+")), app, refs));
            } catch (Exception e) {
                Peer.say("error " + e.getClass().getName() + ": " + String.valueOf(e.getMessage()).replace('\n', ' '));
            }
        }
        Runtime.getRuntime().halt(0);
    }

    /** Measures the point args describes; refs keeps the Dubbo references between points. */
    private static String point(Args args, ApplicationConfig app, Map<String, Object> refs) throws Exception {
        String target = args.get("target", null);
        if (target == null) {
            throw new IllegalArgumentException("need --target host:port");
        }
        String kind = args.get("kind", "hi");
        int conc = args.intValue("c", 1);
        long warmupNanos = args.intValue("warmup-ms", 1000) * 1_000_000L;
        long windowNanos = args.intValue("d-ms", 5000) * 1_000_000L;
        int serverPid = args.intValue("server-pid", 0);
        String stats = args.get("server-stats", "");
        Call call;
        switch (kind) {
            case "hi":
            case "hi4k": {
                GreetingsService greetings = ref(refs, app, GreetingsService.class, target);
                final String arg = "hi".equals(kind) ? "pulse" : big();
                final String want = "hi, " + arg;
                call = () -> {
                    String s = greetings.sayHi(arg);
                    return want.equals(s) ? null : "wrong answer";
                };
                break;
            }
            case "user": {
                UserService users = ref(refs, app, UserService.class, target);
                call = () -> {
                    User u = users.getUser("u1");
                    return u != null && "Ada".equals(u.getName()) && u.getAge() == 36 ? null : "wrong answer";
                };
                break;
            }
            default:
                throw new IllegalArgumentException("unknown kind " + kind + " (want hi, hi4k or user)");
        }
        waitFirst(call, 60);
        return run(call, kind, args.get("label", ""), conc, warmupNanos, windowNanos, serverPid, stats);
    }

    /** The reference of iface at target, made on first use. */
    private static <T> T ref(Map<String, Object> refs, ApplicationConfig app, Class<T> iface, String target) {
        String key = iface.getName() + "@" + target;
        Object r = refs.get(key);
        if (r == null) {
            Map<String, String> params = new HashMap<>();
            params.put("serialization", "hessian2");
            params.put("prefer.serialization", "hessian2");
            params.put("connect.timeout", "10000");
            r = reference(iface, app, target, params).get();
            refs.put(key, r);
        }
        return iface.cast(r);
    }

    private static <T> ReferenceConfig<T> reference(Class<T> iface, ApplicationConfig app, String target,
            Map<String, String> params) {
        ReferenceConfig<T> ref = new ReferenceConfig<>();
        ref.setApplication(app);
        ref.setInterface(iface);
        ref.setParameters(new HashMap<>(params));
        ref.setRetries(0); // a failed call is an error of the point, as in the Go clients
        ref.setTimeout(5000);
        ref.setCheck(false);
        ref.setUrl("dubbo://" + target);
        return ref;
    }

    private static String big() {
        StringBuilder b = new StringBuilder(4096);
        while (b.length() < 4096) {
            b.append("abcdefghijklmnop");
        }
        return b.toString();
    }

    /** Retries the call until it succeeds: the first call may come before the connection. */
    private static void waitFirst(Call call, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            try {
                String bad = call.call();
                if (bad == null) {
                    return;
                }
                throw new IllegalStateException("first call: " + bad);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static final class Worker {
        final long[] counts = new long[64 * SUB_COUNT];
        long n;
        long max;
        long errors;
        String firstError;

        void record(long v) {
            counts[bucketOf(Math.max(v, 0))]++;
            n++;
            max = Math.max(max, v);
        }
    }

    private static String run(Call call, String kind, String label, int conc, long warmupNanos, long windowNanos,
            int serverPid, String stats) throws Exception {
        AtomicInteger phase = new AtomicInteger(); // 0 warm-up, 1 measured, 2 stop
        List<Worker> workers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < conc; i++) {
            Worker w = new Worker();
            workers.add(w);
            Thread t = new Thread(() -> {
                while (true) {
                    int p = phase.get();
                    if (p == 2) {
                        return;
                    }
                    long t0 = System.nanoTime();
                    String bad;
                    try {
                        bad = call.call();
                    } catch (RuntimeException e) {
                        bad = e.getClass().getName() + ": " + e.getMessage();
                    }
                    long d = System.nanoTime() - t0;
                    if (p != 1 || phase.get() != 1) {
                        continue; // only calls that started and ended in the window count
                    }
                    if (bad != null) {
                        w.errors++;
                        if (w.firstError == null) {
                            w.firstError = bad;
                        }
                        continue;
                    }
                    w.record(d);
                }
            }, "caller-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        Thread.sleep(warmupNanos / 1_000_000L);

        double cli0 = cpuSeconds(0);
        double srv0 = serverPid > 0 ? cpuSeconds(serverPid) : -1;
        long alloc0 = stats.isEmpty() ? -1 : fetchAllocs(stats);
        long start = System.nanoTime();
        phase.set(1);
        Thread.sleep(windowNanos / 1_000_000L);
        phase.set(2);
        double elapsed = (System.nanoTime() - start) / 1e9;
        double cli1 = cpuSeconds(0);
        double srv1 = serverPid > 0 ? cpuSeconds(serverPid) : -1;
        long alloc1 = stats.isEmpty() ? -1 : fetchAllocs(stats);
        for (Thread t : threads) {
            t.join(30_000);
        }

        Worker all = new Worker();
        String firstError = null;
        for (Worker w : workers) {
            for (int i = 0; i < all.counts.length; i++) {
                all.counts[i] += w.counts[i];
            }
            all.n += w.n;
            all.max = Math.max(all.max, w.max);
            all.errors += w.errors;
            if (firstError == null) {
                firstError = w.firstError;
            }
        }
        double n = all.n + all.errors;
        double callsPerSec = n > 0 ? all.n / elapsed : 0;
        double cliCPU = n > 0 ? (cli1 - cli0) * 1e6 / n : 0;
        double srvCPU = n > 0 && srv0 >= 0 && srv1 >= 0 ? (srv1 - srv0) * 1e6 / n : -1;
        double srvAllocs = n > 0 && alloc0 > 0 && alloc1 >= alloc0 ? (alloc1 - alloc0) / n : -1;

        StringBuilder b = new StringBuilder(512);
        b.append('{');
        field(b, "client", "java").append(',');
        field(b, "target", label).append(',');
        field(b, "kind", kind).append(',');
        b.append("\"conc\":").append(conc).append(',');
        num(b, "seconds", elapsed).append(',');
        b.append("\"calls\":").append(all.n).append(',');
        b.append("\"errors\":").append(all.errors).append(',');
        if (firstError != null) {
            field(b, "first_error", firstError).append(',');
        }
        num(b, "calls_per_sec", callsPerSec).append(',');
        num(b, "p50_us", quantile(all, 0.5) / 1e3).append(',');
        num(b, "p99_us", quantile(all, 0.99) / 1e3).append(',');
        num(b, "p999_us", quantile(all, 0.999) / 1e3).append(',');
        num(b, "max_us", all.max / 1e3).append(',');
        num(b, "client_cpu_us_per_call", cliCPU).append(',');
        num(b, "server_cpu_us_per_call", srvCPU).append(',');
        num(b, "client_allocs_per_call", -1).append(',');
        num(b, "server_allocs_per_call", srvAllocs).append(',');
        b.append("\"gomaxprocs\":").append(Runtime.getRuntime().availableProcessors());
        b.append('}');
        return b.toString();
    }

    // The buckets of loadgen.Histogram: exact below 2^7 ns, then 2^7 sub-buckets per power of two.
    static int bucketOf(long v) {
        if (v < SUB_COUNT) {
            return (int) v;
        }
        int e = 64 - Long.numberOfLeadingZeros(v) - SUB_BITS;
        return e * SUB_COUNT + (int) (v >>> (e - 1)) - SUB_COUNT;
    }

    static long lowOf(int i) {
        if (i < SUB_COUNT) {
            return i;
        }
        int e = i / SUB_COUNT;
        return ((long) (i % SUB_COUNT + SUB_COUNT)) << (e - 1);
    }

    static long highOf(int i) {
        if (i < SUB_COUNT) {
            return i;
        }
        int e = i / SUB_COUNT;
        return lowOf(i) + (1L << (e - 1)) - 1;
    }

    /** The value at quantile q, the midpoint of its bucket, in nanoseconds. */
    static double quantile(Worker h, double q) {
        if (h.n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * h.n));
        long seen = 0;
        for (int i = 0; i < h.counts.length; i++) {
            seen += h.counts[i];
            if (seen >= rank) {
                return Math.min((lowOf(i) + highOf(i)) / 2, h.max);
            }
        }
        return h.max;
    }

    /** utime+stime of a process (0: this one) in seconds, from /proc/PID/stat. */
    static double cpuSeconds(int pid) {
        String path = pid > 0 ? "/proc/" + pid + "/stat" : "/proc/self/stat";
        try {
            String s = new String(Files.readAllBytes(Paths.get(path)), StandardCharsets.US_ASCII);
            // The command name (field 2) may hold spaces: fields count from the last ')'.
            String[] f = s.substring(s.lastIndexOf(')') + 1).trim().split("\\s+");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static final Pattern ALLOCS = Pattern.compile("\"allocs\"\\s*:\\s*(\\d+)");

    /** Heap objects the server has allocated, from its stats endpoint; -1 when unknown. */
    static long fetchAllocs(String addr) {
        try {
            HttpURLConnection c = (HttpURLConnection) new URL("http://" + addr + "/stats").openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            try (InputStream in = c.getInputStream()) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[1024];
                for (int r; (r = in.read(buf)) > 0 && out.size() < 65536;) {
                    out.write(buf, 0, r);
                }
                Matcher m = ALLOCS.matcher(new String(out.toByteArray(), StandardCharsets.UTF_8));
                return m.find() ? Long.parseLong(m.group(1)) : -1;
            } finally {
                c.disconnect();
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static StringBuilder field(StringBuilder b, String key, String value) {
        b.append('"').append(key).append("\":\"");
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"');
    }

    private static StringBuilder num(StringBuilder b, String key, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            v = -1;
        }
        return b.append('"').append(key).append("\":").append(String.format(Locale.ROOT, "%.3f", v));
    }
}
