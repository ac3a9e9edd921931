package org.apache.dubbo.samples.api;

import java.io.Serializable;
import java.util.Date;

/** The interop contract's POJO (shared/interop.md); field order is the wire order. */
public class User implements Serializable {
    private static final long serialVersionUID = 1L;

    private String id;
    private String name;
    private int age;
    private Date registered;

    public User() {}

    public User(String id, String name, int age, Date registered) {
        this.id = id;
        this.name = name;
        this.age = age;
        this.registered = registered;
    }

    public String getId() { return id; }
    public void setId(String id) { this.id = id; }
    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public int getAge() { return age; }
    public void setAge(int age) { this.age = age; }
    public Date getRegistered() { return registered; }
    public void setRegistered(Date registered) { this.registered = registered; }
}
