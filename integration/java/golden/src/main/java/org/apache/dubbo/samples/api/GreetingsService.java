package org.apache.dubbo.samples.api;

/** The interop contract's greeting service. */
public interface GreetingsService {
    String sayHi(String name);
}
