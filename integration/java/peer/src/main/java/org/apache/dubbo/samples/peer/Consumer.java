package org.apache.dubbo.samples.peer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.rpc.RpcContext;
import org.apache.dubbo.samples.api.GreetingsService;
import org.apache.dubbo.samples.api.User;
import org.apache.dubbo.samples.api.UserService;

/**
 * Java Dubbo consumer of the interop contract.
 *
 * <pre>
 * Consumer (--url "dubbo://127.0.0.1:20880[;dubbo://...]" | --registry etcd3://127.0.0.1:2379)
 *          [--mode once|load|idle] [--heartbeat ms] [--retries n] [--timeout ms]
 *          [--wait seconds] [--seconds n] [--threads n]
 * </pre>
 *
 * once: sayHi, getUser("u1"), getUser("missing"); checks every answer.
 * load: sayHi in a loop on --threads threads for --seconds; prints "warm ..." after 200 good
 *       calls, then "load ok=N fail=M" at the end.
 * idle: the calls of once, then "idle" and waits for a line on stdin, then the calls again.
 * Exits 0 only when every call did what the contract says.
 */
public final class Consumer {
    private static final Instant REGISTERED = Instant.parse("2020-01-02T03:04:05Z");

    private Consumer() {
    }

    public static void main(String[] argv) throws Exception {
        Peer.loopbackOnly();
        Args args = Args.parse(argv);
        ApplicationConfig app = Peer.application(args.get("name", "pulse-peer-consumer"));
        RegistryConfig registry = Peer.registry(args.get("registry", "none"));
        String url = args.get("url", null);

        Map<String, String> params = new HashMap<>();
        params.put("serialization", "hessian2");
        params.put("prefer.serialization", "hessian2");
        // Generous on a loaded machine.
        params.put("connect.timeout", "10000");
        int heartbeat = args.intValue("heartbeat", 0);
        if (heartbeat > 0) {
            params.put("heartbeat", Integer.toString(heartbeat));
        }
        int retries = args.intValue("retries", 2);
        int timeout = args.intValue("timeout", 5000);

        GreetingsService greetings = reference(GreetingsService.class, app, registry, url, params, retries,
                timeout).get();
        UserService users = reference(UserService.class, app, registry, url, params, retries, timeout).get();

        awaitProvider(greetings, args.intValue("wait", 60));
        String mode = args.get("mode", "once");
        boolean ok;
        switch (mode) {
            case "once":
                ok = once(greetings, users);
                break;
            case "idle":
                ok = once(greetings, users);
                Peer.say("idle");
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                ok = ok && once(greetings, users);
                break;
            case "load":
                ok = load(greetings, args.intValue("seconds", 10), args.intValue("threads", 4));
                break;
            default:
                throw new IllegalArgumentException("unknown mode " + mode);
        }
        Peer.say(ok ? "ok" : "FAILED");
        System.exit(ok ? 0 : 1);
    }

    private static <T> ReferenceConfig<T> reference(Class<T> iface, ApplicationConfig app, RegistryConfig registry,
            String url, Map<String, String> params, int retries, int timeout) {
        ReferenceConfig<T> ref = new ReferenceConfig<>();
        ref.setApplication(app);
        ref.setInterface(iface);
        ref.setParameters(new HashMap<>(params));
        ref.setRetries(retries);
        ref.setTimeout(timeout);
        ref.setCheck(false);
        if (url != null) {
            ref.setUrl(url);
        } else {
            ref.setRegistry(registry);
        }
        return ref;
    }

    /** Retries sayHi until a provider answers (discovery through a registry takes a moment). */
    private static void awaitProvider(GreetingsService greetings, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (true) {
            try {
                greetings.sayHi("probe");
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    private static boolean once(GreetingsService greetings, UserService users) {
        boolean ok = true;
        try {
            String hi = greetings.sayHi("java");
            Peer.say("sayHi: " + hi);
            ok &= check("hi, java".equals(hi), "sayHi answer " + hi);
        } catch (RuntimeException e) {
            ok = fail("sayHi", e);
        }
        try {
            User u = users.getUser("u1");
            Peer.say("getUser: id=" + u.getId() + " name=" + u.getName() + " age=" + u.getAge() + " registered="
                    + (u.getRegistered() == null ? "null" : u.getRegistered().toInstant()));
            ok &= check("u1".equals(u.getId()) && "Ada".equals(u.getName()) && u.getAge() == 36
                    && u.getRegistered() != null && REGISTERED.equals(u.getRegistered().toInstant()),
                    "getUser answer " + u);
        } catch (RuntimeException e) {
            ok = fail("getUser", e);
        }
        try {
            User u = users.getUser("missing");
            ok = check(false, "getUser(missing) returned " + u);
        } catch (RuntimeException e) {
            Peer.say("missing: " + e.getClass().getName() + ": " + e.getMessage());
            ok &= check(e.getMessage() != null && e.getMessage().contains("no user missing"),
                    "getUser(missing) message");
        }
        return ok;
    }

    private static boolean load(GreetingsService greetings, int seconds, int threads) throws InterruptedException {
        AtomicLong okCount = new AtomicLong();
        AtomicLong failCount = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        ConcurrentHashMap<String, AtomicLong> servedBy = new ConcurrentHashMap<>();
        AtomicLong maxNanos = new AtomicLong();
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            final String name = "load-" + i;
            Thread t = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    try {
                        String hi = greetings.sayHi(name);
                        maxNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                        if (("hi, " + name).equals(hi)) {
                            okCount.incrementAndGet();
                            String by = RpcContext.getServerContext().getAttachment("served-by");
                            servedBy.computeIfAbsent(by == null ? "?" : by, k -> new AtomicLong()).incrementAndGet();
                        } else {
                            failCount.incrementAndGet();
                            failures.add("bad answer " + hi);
                        }
                    } catch (RuntimeException e) {
                        failCount.incrementAndGet();
                        failures.add(e.getClass().getName() + ": " + e.getMessage());
                    }
                }
            }, name);
            t.start();
            workers.add(t);
        }
        Peer.say("loading");
        while (okCount.get() < 200 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        Peer.say("warm ok=" + okCount.get() + " fail=" + failCount.get() + " served " + new TreeMap<>(servedBy));
        for (Thread t : workers) {
            t.join();
        }
        int shown = 0;
        for (String f : failures) {
            if (shown++ == 5) {
                break;
            }
            Peer.say("failure: " + f);
        }
        Peer.say("served " + new TreeMap<>(servedBy));
        Peer.say("load ok=" + okCount.get() + " fail=" + failCount.get() + " slowest_ok_ms="
                + maxNanos.get() / 1_000_000);
        return failCount.get() == 0 && okCount.get() > 0;
    }

    private static boolean check(boolean cond, String what) {
        if (!cond) {
            Peer.say("mismatch: " + what);
        }
        return cond;
    }

    private static boolean fail(String call, RuntimeException e) {
        Peer.say("error: " + call + ": " + e.getClass().getName() + ": " + e.getMessage());
        return false;
    }
}
