package org.apache.dubbo.samples.api;

import java.util.Date;

/** Contract POJO, serialized by hessian2 under this class name. */
public class User implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private String id;
    private String name;
    private int age;
    private Date registered;

    public String getId() { return id; }
    public void setId(String id) { this.id = id; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public int getAge() { return age; }
    public void setAge(int age) { this.age = age; }
    public Date getRegistered() { return registered; }
    public void setRegistered(Date registered) { this.registered = registered; }

    @Override
    public String toString() {
        return "User{id=" + id + ", name=" + name + ", age=" + age
                + ", registered=" + (registered == null ? "null" : registered.toInstant()) + "}";
    }
}
