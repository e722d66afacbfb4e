package io.cloudtui.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cloudtui.core.CloudtuiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The direct mapper maps a document as Jackson does, or leaves it to Jackson. */
class DirectMapperTest {
    private final ConfigLoader loader = new ConfigLoader();
    private final Path file = Path.of("/etc/cloudtui.yaml");

    /** Jackson's form of DOC, or null if Jackson refuses it. */
    private ConfigLoader.FileForm jackson(String doc) {
        try {
            return loader.withJackson(doc, file, YamlPositions.of(doc));
        } catch (CloudtuiException e) {
            return null;
        }
    }

    private static ConfigLoader.FileForm direct(String doc) {
        return DirectMapper.map(YamlPositions.of(doc).root());
    }

    private static final List<String> TAKEN = List.of(
            """
            hosts:
              - name: web1
                ssh: web1
              - {name: lab, ssh: "ssh://ops@10.0.0.5:2222", enabled: false, backends: [libvirt, docker]}
            """,
            """
            backends:
              - name: local
                type: docker
                host: unix:///run/docker.sock
                tlsVerify: false
                certPath: /home/me/.docker
              - name: vms
                type: libvirt
                uri: "qemu:///system"
                enabled: true
              - name: rt
                type: runtime
                store: /var/tmp/store
                root: /run/x
                options: {logMaxSize: 10m, logKeep: 2, flag: true, name: 'x y'}
            defaultBackend: local
            ui:
              theme: light
              statsInterval: 500ms
              logBufferLines: 2000
              showStopped: false
              shell: [zsh, sh]
              detachKeys: ctrl-p,ctrl-q
            keys:
              logs: L
              quit: 'q'
            logFile: /tmp/x.log
            """,
            "ui:\n  statsInterval: 2s\n  logBufferLines: -5\n",
            "ui: {}\nbackends: []\n",
            "ui:\n  theme: |\n    two\n    lines\n",
            "backends:\n  - {name: a, type: b, options: {n: 0}}\n",
            "agent:\n  enabled: false\n  idle: 30s\n",
            "agent: {idle: 1m}\n");

    private static final List<String> LEFT_TO_JACKSON = List.of(
            "hosts:\n  - {name: a}\n",
            "agent:\n  idle: soon\n",
            "agent:\n  port: 1\n",
            "hosts:\n  - {name: a, ssh: b, user: c}\n",
            "hosts:\n  - {name: a, ssh: b, backends: docker}\n",
            "ui:\n  colour: red\n",
            "ui:\n  logBufferLines: many\n",
            "ui:\n  logBufferLines: 0x10\n",
            "ui:\n  logBufferLines: 010\n",
            "ui:\n  logBufferLines: 1_000\n",
            "ui:\n  logBufferLines: 12345678901\n",
            "ui:\n  logBufferLines: '2000'\n",
            "ui:\n  showStopped: yes\n",
            "ui:\n  showStopped: 'true'\n",
            "ui:\n  theme: 5\n",
            "ui:\n  theme: true\n",
            "ui:\n  theme: ~\n",
            "ui:\n  theme:\n",
            "ui:\n  theme: ''\n",
            "ui:\n  theme: !!str 5\n",
            "ui:\n  theme: 2001-12-14\n",
            "ui:\n  statsInterval: 2\n",
            "ui:\n  statsInterval: 2 minutes\n",
            "ui:\n  statsInterval: 99999999999999999999s\n",
            "ui:\n  shell: bash\n",
            "ui:\n  shell: [bash, 3]\n",
            "ui: [1]\n",
            "ui:\n",
            "backends:\n  - type: docker\n",
            "backends:\n  - name: a\n",
            "backends:\n  - name: a\n    type: b\n    socket: x\n",
            "backends:\n  - name: a\n    type: b\n    options: {x: 1.5}\n",
            "backends:\n  - name: a\n    type: b\n    options: {x: [1]}\n",
            "backends:\n  - name: a\n    type: b\n    options: {x: null}\n",
            "backends:\n  - &b {name: a, type: b}\n  - *b\n",
            "base: &u {theme: x}\nui: *u\n",
            "ui:\n  <<: {theme: x}\n",
            "backends: {name: a}\n",
            "- a\n- b\n",
            "just text\n",
            "keys:\n  yes: L\n",
            "keys:\n  logs: [L]\n");

    @Test
    void takesTheUsualFormsAndMapsThemAsJacksonDoes() throws Exception {
        for (String doc : TAKEN) {
            ConfigLoader.FileForm d = direct(doc);
            assertNotNull(d, doc);
            assertEquals(jackson(doc), d, doc);
        }
        for (String name : List.of("config.example.yaml")) {
            String doc = Files.readString(Path.of(name));
            ConfigLoader.FileForm d = direct(doc);
            assertNotNull(d, name);
            assertEquals(jackson(doc), d, name);
        }
    }

    @Test
    void leavesEverythingElseToJackson() {
        for (String doc : LEFT_TO_JACKSON) {
            assertNull(direct(doc), doc);
        }
    }

    @Test
    void neverDisagreesWithJackson() {
        for (List<String> docs : List.of(TAKEN, LEFT_TO_JACKSON)) {
            for (String doc : docs) {
                ConfigLoader.FileForm d = direct(doc);
                if (d != null) assertEquals(jackson(doc), d, doc);
            }
        }
    }
}
