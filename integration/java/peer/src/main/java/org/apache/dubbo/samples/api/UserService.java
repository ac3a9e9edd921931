package org.apache.dubbo.samples.api;

/** Contract service: getUser throws IllegalArgumentException("no user " + id) for "missing". */
public interface UserService {
    User getUser(String id);
}
