package org.apache.dubbo.samples.api;

/** Contract service: sayHi returns "hi, " + name. */
public interface GreetingsService {
    String sayHi(String name);
}
