package org.pulse.golden;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.remoting.Channel;
import org.apache.dubbo.remoting.Codec2;
import org.apache.dubbo.remoting.Decodeable;
import org.apache.dubbo.remoting.buffer.ChannelBuffers;
import org.apache.dubbo.remoting.exchange.Request;
import org.apache.dubbo.remoting.exchange.Response;
import org.apache.dubbo.remoting.exchange.support.DefaultFuture;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.samples.api.GreetingsService;
import org.apache.dubbo.samples.api.User;
import org.apache.dubbo.samples.api.UserService;

/**
 * Reads golden frames written by other peers (Pulse, dubbo-go) with Java Dubbo's own
 * DubboCodec, as a Java provider reads requests and a Java consumer reads responses, and
 * checks what Java gets out of them. Exits 1 on the first frame Java reads differently.
 *
 * <p>Arguments: repository root, then folder names under protocol/dubbo/testdata.
 */
final class Verify {
    private Verify() {}

    /**
     * Frames Java is known to refuse, with the text of the refusal. dubbo-go sends a plain
     * Go error as java.lang.Throwable, a class outside 3.x's default serialization allow
     * list: a 3.x consumer gets status 90 instead of the exception.
     */
    static final Map<String, String> KNOWN_INCOMPATIBLE = dubbo3()
            ? Map.of("dubbogo/resp_go_error.bin", "expect Throwable, but get class java.util.HashMap")
            : Map.of(); // 2.7 has no allow list: it reads the Throwable

    static boolean dubbo3() {
        try {
            Class.forName("org.apache.dubbo.rpc.model.FrameworkModel");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    static void run(Path root, List<String> dirs) throws Exception {
        registerServices();
        Codec2 codec = Main.newCodec();
        Channel channel = Main.channel(URL.valueOf("dubbo://127.0.0.1:20880/" + Main.GREETINGS
                + "?serialization=hessian2&interface=" + Main.GREETINGS));
        List<String> failures = new ArrayList<>();
        for (String dir : dirs) {
            Path base = root.resolve("protocol/dubbo/testdata").resolve(dir);
            for (String name : names(base)) {
                byte[] frame = Files.readAllBytes(base.resolve(name));
                String what;
                String known = KNOWN_INCOMPATIBLE.get(dir + "/" + name);
                try {
                    what = name.startsWith("req_") ? request(codec, channel, name, frame) : response(codec, channel, name, frame);
                    if (known != null) {
                        failures.add(dir + "/" + name + ": read, but expected to fail: " + known);
                    }
                } catch (Exception | AssertionError e) {
                    what = (known != null && e.toString().contains(known) ? "REJECTED as known: " : "FAIL ") + e;
                    if (known == null || !e.toString().contains(known)) {
                        failures.add(dir + "/" + name + ": " + e);
                    }
                }
                System.out.printf("%-8s %-30s %s%n", dir, name, what);
            }
        }
        if (!failures.isEmpty()) {
            System.out.println(failures.size() + " frame(s) read differently: " + failures);
            System.exit(1);
        }
        System.out.println("all frames read as expected");
    }

    static List<String> names(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bin")).sorted().toList();
        }
    }

    /** A Java provider looks the method up in its service repository before reading arguments. */
    static void registerServices() throws Exception {
        Object repo;
        try {
            Class<?> fm = Class.forName("org.apache.dubbo.rpc.model.FrameworkModel");
            Object app = fm.getMethod("defaultApplication").invoke(fm.getMethod("defaultModel").invoke(null));
            Object module = app.getClass().getMethod("getDefaultModule").invoke(app);
            repo = module.getClass().getMethod("getServiceRepository").invoke(module);
        } catch (ClassNotFoundException e) {
            repo = Class.forName("org.apache.dubbo.rpc.model.ApplicationModel").getMethod("getServiceRepository").invoke(null);
        }
        for (Class<?> c : new Class<?>[] {GreetingsService.class, UserService.class}) {
            repo.getClass().getMethod("registerService", Class.class).invoke(repo, c);
        }
        // 3.x also checks that the request's serialization is one the exported service
        // allows: register the services as DubboProtocol.export does, with and without
        // the "0.0.0" version Java consumers send (dubbo-go sends "").
        try {
            Class<?> keeperClass = Class.forName("org.apache.dubbo.rpc.protocol.PermittedSerializationKeeper");
            Class<?> fm = Class.forName("org.apache.dubbo.rpc.model.FrameworkModel");
            Object factory = fm.getMethod("getBeanFactory").invoke(fm.getMethod("defaultModel").invoke(null));
            Object keeper = factory.getClass().getMethod("getBean", Class.class).invoke(factory, keeperClass);
            for (String service : new String[] {Main.GREETINGS, Main.USERS}) {
                for (String version : new String[] {"&version=0.0.0", ""}) {
                    URL url = URL.valueOf("dubbo://127.0.0.1:20880/" + service + "?serialization=hessian2&interface=" + service + version);
                    keeperClass.getMethod("registerService", URL.class).invoke(keeper, url);
                }
            }
        } catch (ClassNotFoundException e) {
            // 2.7: no such check.
        }
    }

    static String request(Codec2 codec, Channel channel, String name, byte[] frame) throws Exception {
        Object msg = codec.decode(channel, ChannelBuffers.wrappedBuffer(frame));
        check(msg instanceof Request, "not a request: " + msg);
        Request req = (Request) msg;
        if (req.getData() instanceof Decodeable) {
            ((Decodeable) req.getData()).decode();
        }
        check(!req.isBroken(), "broken request: " + req.getData());
        Invocation inv = (Invocation) req.getData();
        boolean hi = name.contains("sayhi");
        check(inv.getMethodName().equals(hi ? "sayHi" : "getUser"), "method " + inv.getMethodName());
        String arg = hi ? "pulse" : name.contains("missing") ? "missing" : "u1";
        check(Arrays.equals(inv.getArguments(), new Object[] {arg}), "arguments " + Arrays.toString(inv.getArguments()));
        check(Arrays.equals(inv.getParameterTypes(), new Class<?>[] {String.class}), "types " + Arrays.toString(inv.getParameterTypes()));
        String path = inv.getAttachment("path");
        check((hi ? Main.GREETINGS : Main.USERS).equals(path), "path " + path);
        return "id=" + req.getId() + " " + inv.getMethodName() + Arrays.toString(inv.getArguments()) + " " + inv.getObjectAttachments();
    }

    static String response(Codec2 codec, Channel channel, String name, byte[] frame) throws Exception {
        long id = java.nio.ByteBuffer.wrap(frame, 4, 8).getLong();
        boolean user = name.contains("user");
        RpcInvocation inv = new RpcInvocation(user ? "getUser" : "sayHi", user ? Main.USERS : Main.GREETINGS,
                user ? Main.USERS : Main.GREETINGS, new Class<?>[] {String.class}, new Object[] {"x"});
        inv.setReturnType(user ? User.class : String.class);
        Request pending = new Request(id);
        pending.setData(inv);
        DefaultFuture future = DefaultFuture.newFuture(channel, pending, 60_000, null);
        try {
            Object msg = codec.decode(channel, ChannelBuffers.wrappedBuffer(frame));
            check(msg instanceof Response, "not a response: " + msg);
            Response res = (Response) msg;
            if (name.contains("service_error")) {
                check(res.getStatus() == Response.SERVICE_ERROR, "status " + res.getStatus());
                check(res.getErrorMessage().startsWith("Not found exported service: "), "message " + res.getErrorMessage());
                return "id=" + id + " status " + res.getStatus() + " " + res.getErrorMessage();
            }
            check(res.getStatus() == Response.OK, "status " + res.getStatus() + " " + res.getErrorMessage());
            if (res.getResult() instanceof Decodeable) {
                ((Decodeable) res.getResult()).decode();
            }
            if (res.getStatus() != Response.OK) {
                throw new java.io.IOException("status after decode " + res.getStatus() + " " + res.getErrorMessage());
            }
            Result r = (Result) res.getResult();
            Map<String, Object> att = r.getObjectAttachments();
            if (name.contains("_att")) {
                check("2.0.2".equals(att.get("dubbo")), "attachments " + att);
            }
            if (name.contains("exception") || name.contains("error")) {
                Throwable t = r.getException();
                check(t != null, "no exception, value " + r.getValue());
                check(t.getMessage().equals("no user missing"), "message " + t.getMessage());
                check(t.getCause() == null, "cause " + t.getCause());
                check(t.getStackTrace() != null, "null stack trace");
                t.printStackTrace(new java.io.PrintStream(java.io.OutputStream.nullOutputStream())); // must not throw
                return "id=" + id + " exception " + t.getClass().getName() + ": " + t.getMessage()
                        + " (stack " + t.getStackTrace().length + ", suppressed " + t.getSuppressed().length + ") " + att;
            }
            check(r.getException() == null, "exception " + r.getException());
            Object v = r.getValue();
            if (name.contains("null")) {
                check(v == null, "value " + v);
            } else if (user) {
                check(v instanceof User, "value " + (v == null ? null : v.getClass()) + " " + v);
                User u = (User) v;
                check(u.getId().equals("u1") && u.getName().equals("Ada") && u.getAge() == 36
                        && Objects.equals(u.getRegistered(), Date.from(Instant.parse("2020-01-02T03:04:05Z"))),
                        "user " + u.getId() + " " + u.getName() + " " + u.getAge() + " " + u.getRegistered());
                v = "User{" + u.getId() + ", " + u.getName() + ", " + u.getAge() + ", " + u.getRegistered().toInstant() + "}";
            } else {
                check("hi, pulse".equals(v), "value " + v);
            }
            return "id=" + id + " value " + v + " " + att;
        } finally {
            future.cancel();
        }
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
