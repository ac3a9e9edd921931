package org.apache.dubbo.samples.api;

/** The interop contract's user service. */
public interface UserService {
    User getUser(String id);
}
