package org.apache.dubbo.samples.peer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.samples.api.GreetingsService;
import org.apache.dubbo.samples.api.User;
import org.apache.dubbo.samples.api.UserService;

/**
 * Java Dubbo provider of the interop contract.
 *
 * <pre>
 * Provider --port 20880 [--registry none|etcd3://127.0.0.1:2379] [--heartbeat ms] [--name app]
 * </pre>
 *
 * Prints "ready 127.0.0.1:PORT" once both services are exported, then serves until killed
 * (Dubbo's shutdown hook unregisters and closes gracefully on SIGTERM).
 */
public final class Provider {
    static final AtomicLong CALLS = new AtomicLong();

    private Provider() {
    }

    public static void main(String[] argv) throws Exception {
        Peer.loopbackOnly();
        Args args = Args.parse(argv);
        int port = args.intValue("port", 20880);
        int heartbeat = args.intValue("heartbeat", 0);
        ApplicationConfig app = Peer.application(args.get("name", "pulse-peer-provider"));
        RegistryConfig registry = Peer.registry(args.get("registry", "none"));

        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setSerialization("hessian2");
        if (heartbeat > 0) {
            protocol.setHeartbeat(heartbeat);
        }

        List<ServiceConfig<?>> services = new ArrayList<>();
        services.add(service(GreetingsService.class, new Greetings(), app, registry, protocol));
        services.add(service(UserService.class, new Users(), app, registry, protocol));
        for (ServiceConfig<?> s : services) {
            s.export();
        }
        Peer.say("ready 127.0.0.1:" + port);
        new CountDownLatch(1).await();
    }

    private static <T> ServiceConfig<T> service(Class<T> iface, T impl, ApplicationConfig app,
            RegistryConfig registry, ProtocolConfig protocol) {
        ServiceConfig<T> s = new ServiceConfig<>();
        s.setApplication(app);
        s.setRegistry(registry);
        s.setProtocol(protocol);
        s.setInterface(iface);
        s.setRef(impl);
        return s;
    }

    static final class Greetings implements GreetingsService {
        @Override
        public String sayHi(String name) {
            CALLS.incrementAndGet();
            return "hi, " + name;
        }
    }

    static final class Users implements UserService {
        @Override
        public User getUser(String id) {
            CALLS.incrementAndGet();
            if ("missing".equals(id)) {
                throw new IllegalArgumentException("no user " + id);
            }
            User u = new User();
            u.setId(id);
            u.setName("Ada");
            u.setAge(36);
            u.setRegistered(Date.from(Instant.parse("2020-01-02T03:04:05Z")));
            return u;
        }
    }
}
