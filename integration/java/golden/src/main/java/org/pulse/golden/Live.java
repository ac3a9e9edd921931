package org.pulse.golden;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;


import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.samples.api.GreetingsService;
import org.apache.dubbo.samples.api.User;
import org.apache.dubbo.samples.api.UserService;

/**
 * Captures the frames of a real Java provider and a real Java consumer (two bootstraps in
 * one JVM, direct URL, no registry) talking through a recording TCP relay: three calls, an
 * idle pause long enough for heartbeats (interval 1 s), then the provider's graceful stop
 * (READONLY). Ids and attachments are whatever Dubbo chose. Dubbo 3.x only.
 *
 * <p>Arguments: repository root. Writes protocol/dubbo/testdata/java-live/ and
 * exchange/testdata/java-live/.
 */
final class Live {
    private Live() {}

    static final class Greetings implements GreetingsService {
        @Override
        public String sayHi(String name) {
            return "hi, " + name;
        }
    }

    static final class Users implements UserService {
        @Override
        public User getUser(String id) {
            if (!id.equals("u1")) {
                throw new IllegalArgumentException("no user " + id);
            }
            return new User("u1", "Ada", 36, Date.from(Instant.parse("2020-01-02T03:04:05Z")));
        }
    }

    static void run(Path root) throws Exception {
        int providerPort;
        try (ServerSocket probe = new ServerSocket(0)) {
            providerPort = probe.getLocalPort();
        }
        ProtocolConfig protocol = new ProtocolConfig("dubbo", providerPort);
        protocol.setHost("127.0.0.1");
        protocol.setSerialization("hessian2");
        protocol.setHeartbeat(1000);
        ApplicationConfig providerApp = new ApplicationConfig("golden-provider");
        providerApp.setQosEnable(false);
        ServiceConfig<GreetingsService> greetings = new ServiceConfig<>();
        greetings.setInterface(GreetingsService.class);
        greetings.setRef(new Greetings());
        ServiceConfig<UserService> users = new ServiceConfig<>();
        users.setInterface(UserService.class);
        users.setRef(new Users());
        DubboBootstrap provider = DubboBootstrap.newInstance()
                .application(providerApp)
                .registry(new RegistryConfig("N/A"))
                .protocol(protocol)
                .service(greetings)
                .service(users)
                .start();

        Relay relay = new Relay(providerPort);
        String url = "dubbo://" + org.apache.dubbo.common.utils.NetUtils.getLocalHost() + ":" + relay.port()
                + "?serialization=hessian2&prefer.serialization=hessian2&heartbeat=1000";
        ApplicationConfig consumerApp = new ApplicationConfig("golden-consumer");
        consumerApp.setQosEnable(false);
        ReferenceConfig<GreetingsService> greetingsRef = new ReferenceConfig<>();
        greetingsRef.setInterface(GreetingsService.class);
        greetingsRef.setUrl(url);
        ReferenceConfig<UserService> usersRef = new ReferenceConfig<>();
        usersRef.setInterface(UserService.class);
        usersRef.setUrl(url);
        DubboBootstrap consumer = DubboBootstrap.newInstance()
                .application(consumerApp)
                .reference(greetingsRef)
                .reference(usersRef)
                .start();

        System.out.println("sayHi: " + greetingsRef.get().sayHi("pulse"));
        System.out.println("getUser: " + usersRef.get().getUser("u1").getName());
        try {
            usersRef.get().getUser("missing");
            throw new AssertionError("getUser(missing) returned");
        } catch (IllegalArgumentException e) {
            System.out.println("getUser(missing): " + e);
        }
        Thread.sleep(3500); // idle: the consumer's heartbeats (interval 1 s)
        // What the shutdown hook does first (DubboShutdownHook.doDestroy): READONLY to
        // every connected channel.
        for (org.apache.dubbo.rpc.GracefulShutdown g : org.apache.dubbo.rpc.GracefulShutdown.getGracefulShutdowns(
                provider.getApplicationModel().getFrameworkModel())) {
            g.readonly();
        }
        Thread.sleep(500);
        provider.stop();
        Thread.sleep(500);
        consumer.stop();
        relay.close();

        write(root, relay.toProvider.toByteArray(), relay.toConsumer.toByteArray());
        System.exit(0);
    }

    static void write(Path root, byte[] toProvider, byte[] toConsumer) throws IOException {
        Path bodies = root.resolve("protocol/dubbo/testdata/java-live");
        Path events = root.resolve("exchange/testdata/java-live");
        Files.createDirectories(bodies);
        Files.createDirectories(events);
        String[] calls = {"req_sayhi", "req_getuser", "req_getuser_missing"};
        String[] answers = {"resp_string_att", "resp_user_att", "resp_exception_att"};
        int call = 0;
        int answer = 0;
        for (byte[] f : frames(toProvider)) {
            String name = isEvent(f) ? (isRequest(f) ? "heartbeat_req" : "heartbeat_resp_from_consumer")
                    : call < calls.length ? calls[call++] : "extra_request_" + call++;
            save(isEvent(f) ? events : bodies, name, f);
        }
        for (byte[] f : frames(toConsumer)) {
            String name;
            if (isEvent(f)) {
                name = !isRequest(f) ? "heartbeat_resp" : f[f.length - 1] == 'R' ? "readonly" : "heartbeat_req_from_provider";
            } else {
                name = answer < answers.length ? answers[answer++] : "extra_response_" + answer++;
            }
            save(isEvent(f) ? events : bodies, name, f);
        }
    }

    static boolean isEvent(byte[] f) { return (f[2] & 0x20) != 0; }

    static boolean isRequest(byte[] f) { return (f[2] & 0x80) != 0; }

    static final java.util.Set<String> saved = new java.util.HashSet<>();

    /** Keeps the first frame of each name. */
    static void save(Path dir, String name, byte[] frame) throws IOException {
        if (!saved.add(dir + "/" + name)) {
            return;
        }
        Files.write(dir.resolve(name + ".bin"), frame);
        System.out.printf("%-30s id=%d %d bytes%n", name, ByteBuffer.wrap(frame, 4, 8).getLong(), frame.length);
    }

    static List<byte[]> frames(byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        while (i + 16 <= stream.length) {
            int n = 16 + ByteBuffer.wrap(stream, i + 12, 4).getInt();
            if (i + n > stream.length) {
                break;
            }
            out.add(java.util.Arrays.copyOfRange(stream, i, i + n));
            i += n;
        }
        return out;
    }

    /** One-connection TCP relay that records both directions. */
    static final class Relay {
        // Dubbo swaps 127.0.0.1 for the machine's address (NetUtils.getLocalHost) on both
        // sides, so the relay listens everywhere and dials that address.
        final ServerSocket server = new ServerSocket(0);
        final ByteArrayOutputStream toProvider = new ByteArrayOutputStream();
        final ByteArrayOutputStream toConsumer = new ByteArrayOutputStream();
        final List<Socket> sockets = new ArrayList<>();

        Relay(int target) throws IOException {
            Thread t = new Thread(() -> {
                try {
                    Socket in = server.accept();
                    Socket out = new Socket(org.apache.dubbo.common.utils.NetUtils.getLocalHost(), target);
                    synchronized (sockets) {
                        sockets.add(in);
                        sockets.add(out);
                    }
                    pump(in.getInputStream(), out.getOutputStream(), toProvider);
                    pump(out.getInputStream(), in.getOutputStream(), toConsumer);
                } catch (IOException e) {
                    // closed
                }
            }, "relay-accept");
            t.setDaemon(true);
            t.start();
        }

        int port() { return server.getLocalPort(); }

        static void pump(InputStream in, OutputStream out, ByteArrayOutputStream record) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        synchronized (record) {
                            record.write(buf, 0, n);
                        }
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // closed
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        void close() throws IOException {
            server.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

}
