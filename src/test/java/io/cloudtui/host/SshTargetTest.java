package io.cloudtui.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cloudtui.core.CloudtuiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class SshTargetTest {
    @Test
    void readsUrlsAndBareForms() {
        assertEquals(new SshTarget(null, "web1", null), SshTarget.parse("ssh://web1"));
        assertEquals(new SshTarget(null, "web1", null), SshTarget.parse("ssh://web1/"));
        assertEquals(new SshTarget("ops", "10.0.0.5", 2222), SshTarget.parse("ssh://ops@10.0.0.5:2222"));
        assertEquals(new SshTarget("ops", "web1.example.com", null), SshTarget.parse("ops@web1.example.com"));
        assertEquals(new SshTarget(null, "web1", 22), SshTarget.parse("web1:22"));
        assertEquals(new SshTarget("u", "::1", 2200), SshTarget.parse("ssh://u@[::1]:2200"));
        assertEquals(List.of("-l", "ops", "-p", "2222"), SshTarget.parse("ssh://ops@h:2222").args());
        assertEquals(List.of(), SshTarget.parse("alias").args());
        assertEquals("ops@h:2222", SshTarget.parse("ssh://ops@h:2222").toString());
    }

    private static String refused(String spec) {
        CloudtuiException e = assertThrows(CloudtuiException.class, () -> SshTarget.parse(spec));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith("bad ssh host '"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void refusesWhatSshWouldIgnoreOrMisread() {
        assertTrue(refused("ssh://ops:secret@web1").contains("a password in the URL is not supported"));
        assertTrue(refused("ssh://web1/var/run/docker.sock").contains("a path"));
        assertTrue(refused("ssh://web1?x=1").contains("a query"));
        assertTrue(refused("ssh://web1#f").contains("a fragment"));
        assertTrue(refused("ssh://web1:0").contains("bad port '0'"));
        assertTrue(refused("ssh://web1:65536").contains("bad port"));
        assertTrue(refused("ssh://web1:ab").contains("bad port"));
        assertTrue(refused("ssh://web1:").contains("bad port ''"));
        assertTrue(refused("ssh://").contains("empty host"));
        assertTrue(refused("ssh://ops@").contains("empty host"));
        assertTrue(refused("ssh://:22").contains("empty host"));
        assertTrue(refused("").contains("empty"));
        assertTrue(refused("tcp://web1:2375").contains("only ssh://"));
        // never an option to ssh
        assertTrue(refused("-oProxyCommand=touch /tmp/x").contains("expected [user@]host[:port]"));
        assertTrue(refused("-oProxyCommand=true").contains("bad host name"));
        assertTrue(refused("web1 -v").contains("bad host name"));
        assertTrue(refused("@web1").contains("empty user"));
        assertTrue(refused("a:b:c").contains("brackets"));
    }

    @Test
    void nameOfAHostGivenByItsTarget() {
        assertEquals("web1", SshTarget.parse("ssh://ops@web1:22").defaultName());
        assertEquals("__1", SshTarget.parse("ssh://[::1]").defaultName());
    }
}
