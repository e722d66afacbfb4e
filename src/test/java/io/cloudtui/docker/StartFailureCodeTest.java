package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A container whose start failed exits as with the docker CLI's run (its runStartContainerErr; issue #19). */
class StartFailureCodeTest {
    @Test
    void asTheDockerCli() {
        assertEquals(127, Sessions.startFailureCode("failed to create shim task: OCI runtime create failed: runc create failed: unable to start "
                + "container process: exec: \"nosuchcmd\": executable file not found in $PATH: unknown"));
        assertEquals(127, Sessions.startFailureCode("... exec: \"/x\": stat /x: no such file or directory: unknown"));
        assertEquals(126, Sessions.startFailureCode("... exec: \"/etc/passwd\": permission denied: unknown"));
        assertEquals(126, Sessions.startFailureCode("... exec: \"/etc\": is a directory: unknown"));
        assertEquals(1, Sessions.startFailureCode("driver failed programming external connectivity: port is already allocated"));
    }
}
