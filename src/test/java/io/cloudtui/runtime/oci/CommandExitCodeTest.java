package io.cloudtui.runtime.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The C stage's words for a command that cannot be run, as exit codes (issue #19). */
class CommandExitCodeTest {
    @Test
    void notFoundIs127CannotBeInvokedIs126OtherErrorsAre1() {
        assertEquals(127, OciRuntime.commandExitCode("exec: \"nosuchcmd\": executable file not found in $PATH"));
        assertEquals(127, OciRuntime.commandExitCode("exec: \"/no/such\": no such file or directory"));
        assertEquals(127, OciRuntime.commandExitCode("exec: \"/etc/passwd/x\": not a directory"));
        assertEquals(126, OciRuntime.commandExitCode("exec: \"/etc/passwd\": permission denied"));
        assertEquals(126, OciRuntime.commandExitCode("exec: \"/bin/odd\": exec format error"));
        assertEquals(126, OciRuntime.commandExitCode("exec: \"a \"quoted\" name\": permission denied"));
        assertEquals(126, OciRuntime.commandExitCode("chdir to cwd (\"/nope\") set in config.json failed: no such file or directory"));
        assertEquals(1, OciRuntime.commandExitCode("chdir /nope: No such file or directory"));
        assertEquals(1, OciRuntime.commandExitCode("mount the overlay root filesystem on /x: permission denied"));
        assertEquals(1, OciRuntime.commandExitCode("exec: \"x\": y\nmore"));
    }
}
