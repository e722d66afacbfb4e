package io.cloudtui.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.exception.NotFoundException;
import io.cloudtui.core.CloudtuiException;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class EngineTest {
    private final Engine unix = new Engine(new Endpoint("unix:///var/run/docker.sock", false, null, "default socket"));
    private final Engine tcp = new Engine(new Endpoint("tcp://10.1.2.3:2375", false, null, "DOCKER_HOST"));

    @Test
    void engineMessageIsTakenFromJsonAndLowerCased() {
        assertEquals("no such container: web",
                Engine.engineMessage(new NotFoundException("Status 404: {\"message\":\"No such container: web\"}\n")));
    }

    @Test
    void missingSocket() {
        CloudtuiException e = unix.translate(new RuntimeException(new IOException("No such file or directory")));
        assertEquals("cannot connect to the Docker engine at unix:///var/run/docker.sock (default socket): is dockerd running? "
                + "(start it with 'sudo systemctl start docker' or 'sudo dockerd')", e.getMessage());
    }

    @Test
    void permissionDeniedHasItsOwnHint() {
        CloudtuiException e = unix.translate(new RuntimeException(new IOException("Permission denied")));
        assertTrue(e.getMessage().startsWith("permission denied on the Docker socket unix:///var/run/docker.sock"), e.getMessage());
        assertTrue(e.getMessage().contains("docker' group"), e.getMessage());
    }

    @Test
    void refusedTcp() {
        CloudtuiException e = tcp.translate(new RuntimeException(new ConnectException("Connection refused")));
        assertTrue(e.getMessage().startsWith("cannot connect to the Docker engine at tcp://10.1.2.3:2375 (DOCKER_HOST)"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void engineErrorsAreNotConnectionProblems() {
        assertNull(unix.connectionProblem(new NotFoundException("Status 404: {\"message\":\"No such image: x\"}")));
        assertNull(unix.connectionProblem(new com.github.dockerjava.api.exception.InternalServerErrorException(
                "{\"message\":\"exec: \\\"/x\\\": stat /x: no such file or directory\"}")));
        assertEquals("no such image: x", unix.translate(new NotFoundException("{\"message\":\"No such image: x\"}")).getMessage());
    }

    /** logs -f on a remote host whose ssh connection dropped: httpclient's ConnectionClosedException for a truncated chunked body, said as such. */
    @Test
    void aStreamCutOffIsSaidAsALostConnection() {
        Throwable cut = new RuntimeException(new IOException(
                "Premature end of chunk coded message body: closing chunk expected"));
        Engine remote = new Engine(new Endpoint("unix:///run/x/h0-docker.sock", false, null, "host 'web1' over ssh: web1/docker", "web1"));
        assertEquals("web1: the connection to web1 (ssh) was lost in the middle of the stream; cloudtui reconnects by itself:"
                + " run the command again", remote.translate(cut).getMessage());
        assertEquals("the Docker engine at unix:///var/run/docker.sock closed the connection in the middle of the stream: did dockerd stop?",
                unix.translate(cut).getMessage());
    }
}
