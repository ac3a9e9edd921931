package org.pulse.golden;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;

import org.apache.dubbo.common.URL;
import org.apache.dubbo.remoting.Channel;
import org.apache.dubbo.remoting.Codec2;
import org.apache.dubbo.remoting.buffer.ChannelBuffer;
import org.apache.dubbo.remoting.buffer.ChannelBuffers;
import org.apache.dubbo.remoting.exchange.Request;
import org.apache.dubbo.remoting.exchange.Response;
import org.apache.dubbo.rpc.AppResponse;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.samples.api.User;

/**
 * Writes golden Dubbo frames (16-byte header + hessian2 body) with Java Dubbo's own
 * DubboCodec, the class a Java provider and consumer use on the wire.
 *
 * <p>Arguments: repository root, folder name under testdata/ (e.g. "java"), Dubbo version
 * (for the log line only). Request ids are fixed so that tests can compare whole frames.
 * With "verify ROOT DIR..." it reads other peers' frames instead (see Verify).
 */
public final class Main {
    static final String GREETINGS = "org.apache.dubbo.samples.api.GreetingsService";
    static final String USERS = "org.apache.dubbo.samples.api.UserService";
    /** Body version of a current consumer: Java answers it with attachments (flags 3, 4, 5). */
    static final String NEW_PEER = "2.0.2";
    /** Body version outside [2.0.2, 2.0.99]: Java answers it without attachments (flags 0, 1, 2). */
    static final String OLD_PEER = "2.0.0";

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("verify")) {
            // verify ROOT DIR...: read other peers' frames with Java's codec.
            Verify.run(Path.of(args[1]).toAbsolutePath().normalize(), java.util.List.of(args).subList(2, args.length));
            System.exit(0);
        }
        if (args.length > 0 && args[0].equals("live")) {
            // live ROOT: capture a real provider and consumer through a relay (3.x only).
            // By name: Live.java is left out of the 2.7 build.
            java.lang.reflect.Method run = Class.forName("org.pulse.golden.Live").getDeclaredMethod("run", Path.class);
            run.setAccessible(true);
            run.invoke(null, Path.of(args[1]).toAbsolutePath().normalize());
        }
        Path root = Path.of(args[0]).toAbsolutePath().normalize();
        String dir = args[1];
        String version = args.length > 2 ? args[2] : "?";
        Path bodies = root.resolve("protocol/dubbo/testdata").resolve(dir);
        Path events = root.resolve("exchange/testdata").resolve(dir);
        Files.createDirectories(bodies);
        Files.createDirectories(events);

        Codec2 codec = newCodec();
        Channel channel = channel(URL.valueOf("dubbo://127.0.0.1:20880/" + GREETINGS
                + "?serialization=hessian2&interface=" + GREETINGS));

        // Requests, ids 1 and 2.
        write(bodies, "req_sayhi", encode(codec, channel, request(1, GREETINGS, "sayHi", "pulse")));
        write(bodies, "req_getuser", encode(codec, channel, request(2, USERS, "getUser", "u1")));

        // Responses: the same id answered to an old (2.0.0) and a current (2.0.2) caller.
        User ada = new User("u1", "Ada", 36, Date.from(Instant.parse("2020-01-02T03:04:05Z")));
        IllegalArgumentException noUser = new IllegalArgumentException("no user missing");
        noUser.setStackTrace(new StackTraceElement[0]);
        for (String peer : new String[] {OLD_PEER, NEW_PEER}) {
            String suffix = peer.equals(NEW_PEER) ? "_att" : "";
            write(bodies, "resp_string" + suffix, encode(codec, channel, response(1, peer, new AppResponse("hi, pulse"))));
            write(bodies, "resp_user" + suffix, encode(codec, channel, response(2, peer, new AppResponse(ada))));
            write(bodies, "resp_null" + suffix, encode(codec, channel, response(3, peer, new AppResponse())));
            write(bodies, "resp_exception" + suffix, encode(codec, channel, response(4, peer, new AppResponse(noUser))));
        }
        // An exception as a provider really throws it: with this program's stack trace.
        IllegalArgumentException withStack = new IllegalArgumentException("no user missing");
        write(bodies, "resp_exception_stack_att", encode(codec, channel, response(5, NEW_PEER, new AppResponse(withStack))));
        // A non-OK status: the body is the error message alone.
        Response failed = new Response(6, NEW_PEER);
        failed.setStatus(Response.SERVICE_ERROR);
        failed.setErrorMessage("Not found exported service: org.apache.dubbo.samples.api.MissingService:20880");
        write(bodies, "resp_service_error", encode(codec, channel, failed));

        // Events: heartbeat request and answer (id 7), READONLY (id 8).
        Request ping = new Request(7);
        ping.setVersion(NEW_PEER);
        ping.setTwoWay(true);
        ping.setEvent((String) null);
        write(events, "heartbeat_req", encode(codec, channel, ping));
        Response pong = new Response(7, NEW_PEER);
        pong.setEvent((String) null);
        write(events, "heartbeat_resp", encode(codec, channel, pong));
        Request readonly = new Request(8);
        readonly.setVersion(NEW_PEER);
        readonly.setTwoWay(false);
        readonly.setEvent("R");
        write(events, "readonly", encode(codec, channel, readonly));

        System.out.println("golden frames written by Dubbo " + version + " to " + bodies + " and " + events);
        System.exit(0);
    }

    /** DubboCodec takes a FrameworkModel in 3.x and nothing in 2.7. */
    static Codec2 newCodec() throws Exception {
        Class<?> cls = Class.forName("org.apache.dubbo.rpc.protocol.dubbo.DubboCodec");
        try {
            Class<?> fm = Class.forName("org.apache.dubbo.rpc.model.FrameworkModel");
            Constructor<?> c = cls.getConstructor(fm);
            return (Codec2) c.newInstance(fm.getMethod("defaultModel").invoke(null));
        } catch (ClassNotFoundException e) {
            return (Codec2) cls.getConstructor().newInstance();
        }
    }

    /** A channel that is only a URL and an attribute map: all the codec reads. */
    static Channel channel(URL url) {
        Map<String, Object> attrs = new HashMap<>();
        return (Channel) Proxy.newProxyInstance(Main.class.getClassLoader(), new Class<?>[] {Channel.class},
                (proxy, m, a) -> {
                    switch (m.getName()) {
                        case "getUrl": return url;
                        case "getAttribute": return attrs.get((String) a[0]);
                        case "hasAttribute": return attrs.containsKey((String) a[0]);
                        case "setAttribute": attrs.put((String) a[0], a[1]); return null;
                        case "removeAttribute": attrs.remove((String) a[0]); return null;
                        case "getLocalAddress": return new java.net.InetSocketAddress("127.0.0.1", 20880);
                        case "getRemoteAddress": return new java.net.InetSocketAddress("127.0.0.1", 54321);
                        case "isConnected": return true;
                        case "isClosed": return false;
                        case "toString": return "golden-channel";
                        case "hashCode": return 1;
                        case "equals": return proxy == a[0];
                        default: return null;
                    }
                });
    }

    /** A two-way call carrying the attachments a Java consumer with no version or group sends. */
    static Request request(long id, String service, String method, String arg) {
        RpcInvocation inv = new RpcInvocation(method, service, service, new Class<?>[] {String.class}, new Object[] {arg});
        inv.setAttachment("path", service);
        inv.setAttachment("interface", service);
        inv.setAttachment("version", "0.0.0");
        inv.setAttachment("timeout", "1000"); // Dubbo's default timeout
        inv.setAttachment("remote.application", "golden-consumer");
        Request req = new Request(id);
        req.setVersion(NEW_PEER);
        req.setTwoWay(true);
        req.setData(inv);
        return req;
    }

    static Response response(long id, String peerVersion, AppResponse result) {
        Response res = new Response(id, peerVersion);
        res.setStatus(Response.OK);
        res.setResult(result);
        return res;
    }

    static byte[] encode(Codec2 codec, Channel channel, Object msg) throws IOException {
        ChannelBuffer buf = ChannelBuffers.dynamicBuffer(256);
        codec.encode(channel, buf, msg);
        byte[] out = new byte[buf.readableBytes()];
        buf.readBytes(out);
        if (out.length == 0) {
            // ExchangeCodec hands a failed response to channel.send instead of throwing.
            throw new IOException("codec wrote nothing for " + msg);
        }
        return out;
    }

    static void write(Path dir, String name, byte[] frame) throws IOException {
        Files.write(dir.resolve(name + ".bin"), frame);
        System.out.printf("%-28s %4d bytes%n", name, frame.length);
    }
}
