package org.apache.dubbo.samples.peer;

import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.RegistryConfig;

/** Settings shared by the provider and the consumer. */
final class Peer {
    private Peer() {
    }

    /**
     * Keeps Dubbo on loopback: every non-loopback interface is ignored when Dubbo looks for the
     * address to register, so registrations carry 127.0.0.1 and tests never leave the machine.
     */
    static void loopbackOnly() throws Exception {
        List<String> ignored = new ArrayList<>();
        for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!ni.isLoopback()) {
                ignored.add(ni.getDisplayName());
            }
        }
        if (!ignored.isEmpty()) {
            System.setProperty("dubbo.network.interface.ignored", String.join(",", ignored));
        }
        pinLocalAddress();
        System.setProperty("dubbo.application.qos.enable", "false");
        if (org.apache.dubbo.common.Version.getVersion().startsWith("3")) {
            // Dubbo 3: warnings through java.util.logging (stderr) rather than a missing slf4j
            // binding; Dubbo 2.7 logs through log4j (log4j.properties).
            System.setProperty("dubbo.application.logger", "jdk");
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            root.setLevel(java.util.logging.Level.WARNING);
            for (java.util.logging.Handler h : root.getHandlers()) {
                h.setLevel(java.util.logging.Level.WARNING);
            }
        }
        // Dubbo 3.2+ waits at least 60 s between reconnect attempts; tests cannot.
        System.setProperty("dubbo.application.least-reconnect-duration", "1000");
        System.setProperty("dubbo.application.register-mode", "interface");
        System.setProperty("dubbo.application.service-discovery.migration", "FORCE_INTERFACE");
    }

    /**
     * Pins Dubbo's idea of "this host" to 127.0.0.1. Dubbo replaces a loopback provider address
     * by that host before it connects (NetUtils.filterLocalHost); left to compute it on a
     * machine whose interfaces are all ignored, Dubbo 3 sometimes came up with an address off
     * loopback and its consumer then dialled that instead of 127.0.0.1.
     */
    private static void pinLocalAddress() throws Exception {
        Class<?> netUtils = Class.forName("org.apache.dubbo.common.utils.NetUtils");
        java.lang.reflect.Field address = netUtils.getDeclaredField("LOCAL_ADDRESS");
        address.setAccessible(true);
        address.set(null, java.net.InetAddress.getByAddress(new byte[] {127, 0, 0, 1}));
        java.lang.reflect.Field host = netUtils.getDeclaredField("HOST_ADDRESS");
        host.setAccessible(true);
        host.set(null, "127.0.0.1");
    }

    static ApplicationConfig application(String name) {
        ApplicationConfig app = new ApplicationConfig(name);
        app.setQosEnable(false);
        return app;
    }

    /** "none" for direct connections, otherwise etcd3://host:port. */
    static RegistryConfig registry(String spec) {
        if (spec == null || spec.equals("none")) {
            return new RegistryConfig(RegistryConfig.NO_AVAILABLE);
        }
        RegistryConfig reg = new RegistryConfig(spec);
        reg.setUseAsConfigCenter(false);
        reg.setUseAsMetadataCenter(false);
        return reg;
    }

    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
