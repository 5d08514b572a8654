// SPDX-License-Identifier: MIT
// optiverse-collab-server: the standalone Optiverse collaboration server.
#include "CollabServer.h"
#include "DescriptorLimit.h"
#include "RecordingExporter.h"
#include "SessionStore.h"
#include "StoreSalvager.h"
#include "ServerOptions.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QTextStream>
#include <QTimer>

#include <csignal>
#include <cstdio>
#include <sys/socket.h>
#include <unistd.h>

using namespace Optiverse::Collab;

namespace {

int s_signalFds[2] = {-1, -1};

// Async-signal-safe: only write(2). The event loop does the rest.
extern "C" void onSignal(int signal)
{
    const char byte = char(signal);
    [[maybe_unused]] const ssize_t n = ::write(s_signalFds[0], &byte, 1);
}

bool installSignalHandlers()
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, s_signalFds) != 0)
        return false;
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return ::sigaction(SIGTERM, &action, nullptr) == 0 && ::sigaction(SIGINT, &action, nullptr) == 0;
}

// --export: reads the store (never creating or changing it), writes the
// recording, exits; 0 only when every byte reached the file or stdout.
int exportRecording(const ServerOptions &options, QTextStream &err)
{
    SessionStore store;
    QString error;
    qint64 count = 0;
    bool ok = store.open(options.config.dataDir, &error, SessionStore::OpenMode::ReadOnly);
    if (ok && options.exportFile == QLatin1String("-")) {
        // Unbuffered on the descriptor: a failed write(2) (a closed pipe,
        // a full disk) shows at once instead of in a stdio buffer.
        QFile stdoutFile;
        ok = stdoutFile.open(STDOUT_FILENO, QIODevice::WriteOnly | QIODevice::Unbuffered)
            && RecordingExporter::exportSession(&store, options.exportSession, &stdoutFile, &count, &error);
        if (ok && stdoutFile.error() != QFileDevice::NoError) {
            ok = false;
            error = QStringLiteral("cannot write to stdout: %1").arg(stdoutFile.errorString());
        }
    } else if (ok && QFileInfo::exists(options.exportFile) && !QFileInfo(options.exportFile).isFile()) {
        // A device or a pipe: QSaveFile would rename a regular file over it
        // (as root, even over /dev/full). Written directly, each write checked.
        QFile device(options.exportFile);
        ok = device.open(QIODevice::WriteOnly | QIODevice::Unbuffered);
        if (!ok)
            error = QStringLiteral("cannot write %1: %2").arg(options.exportFile, device.errorString());
        ok = ok && RecordingExporter::exportSession(&store, options.exportSession, &device, &count, &error);
    } else if (ok) {
        // Written whole or not at all: a failed export leaves no half file.
        QSaveFile file(options.exportFile);
        ok = file.open(QIODevice::WriteOnly);
        if (!ok)
            error = QStringLiteral("cannot write %1: %2").arg(options.exportFile, file.errorString());
        ok = ok && RecordingExporter::exportSession(&store, options.exportSession, &file, &count, &error);
        if (ok && (!file.flush() || file.error() != QFileDevice::NoError || !file.commit())) {
            ok = false;
            error = QStringLiteral("cannot write %1: %2").arg(options.exportFile, file.errorString());
        }
        if (!ok)
            file.cancelWriting();
    }
    if (!ok) {
        err << "optiverse-collab-server: --export: " << error << Qt::endl;
        return 1;
    }
    if (options.exportFile != QLatin1String("-"))
        err << "Exported " << count << " operation(s) of session " << options.exportSession << " to "
            << options.exportFile << Qt::endl;
    return 0;
}

// --salvage: copies what can be read of a damaged store into a new one.
int salvage(const ServerOptions &options, QTextStream &out, QTextStream &err)
{
    StoreSalvager salvager;
    QString error;
    if (!salvager.run(options.config.dataDir, options.salvageDir, &error)) {
        err << "optiverse-collab-server: --salvage: " << error << Qt::endl;
        return 1;
    }
    out << salvager.report() << Qt::flush;
    return 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("optiverse-collab-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral("0.1.0"));
    QTextStream out(stdout);
    QTextStream err(stderr);

    ServerOptions options;
    QString error;
    bool exitNow = false;
    if (!ServerOptions::parse(QCoreApplication::arguments(), &options, &error, &exitNow)) {
        err << "optiverse-collab-server: " << error << "\n"
            << "Try 'optiverse-collab-server --help' for the options.\n";
        return 1;
    }
    if (exitNow) {
        out << error << Qt::endl;
        return 0;
    }
    QLoggingCategory::setFilterRules(options.debug ? QStringLiteral("optiverse.*.debug=true")
                                                   : QStringLiteral("optiverse.*.debug=false"));
    if (options.exportRequested)
        return exportRecording(options, err);
    if (!options.salvageDir.isEmpty())
        return salvage(options, out, err);
    if (!installSignalHandlers()) {
        err << "optiverse-collab-server: cannot install signal handlers\n";
        return 1;
    }

    // Every connection and handshake holds a descriptor; without one left,
    // nobody can connect. Take what the system allows and say what fits.
    const qint64 descriptors = DescriptorLimit::raiseToHard();
    const int room = DescriptorLimit::connectionRoom(descriptors);
    const ServerConfig &limits = options.config;
    if (limits.maxConnections > room)
        err << "optiverse-collab-server: warning: --max-connections " << limits.maxConnections << " does not fit in "
            << descriptors << " file descriptors (room for " << room << "); raise the limit (ulimit -n)" << Qt::endl;
    const int cap = limits.maxConnections > 0 ? qMin(limits.maxConnections, room) : room;
    if (limits.maxHandshakes > cap || limits.maxConnectionsPerAddress + limits.maxHandshakesPerAddress > cap)
        err << "optiverse-collab-server: warning: room for " << cap << " connections only: fewer than "
            << "--max-handshakes (" << limits.maxHandshakes << ") or one address's share (--max-connections-per-address "
            << limits.maxConnectionsPerAddress << " + --max-handshakes-per-address " << limits.maxHandshakesPerAddress
            << "); raise the file descriptor limit (ulimit -n) or lower them" << Qt::endl;

    CollabServer server(options.config);
    if (!server.listen(options.host, options.port, &error)) {
        err << "optiverse-collab-server: " << error << Qt::endl;
        const bool inUse = error.contains(QLatin1String("already in use"));
        return inUse ? 2 : 1;
    }

    bool stopping = false;
    auto stop = [&] {
        if (stopping)
            return;
        stopping = true;
        out << "Shutting down..." << Qt::endl;
        server.close();
        if (server.connectionCount() == 0) {
            QCoreApplication::quit();
            return;
        }
        QObject::connect(&server, &CollabServer::connectionCountChanged, &app, [](int count) {
            if (count == 0)
                QCoreApplication::quit();
        });
        QTimer::singleShot(1500, &app, &QCoreApplication::quit);
    };
    QSocketNotifier notifier(s_signalFds[1], QSocketNotifier::Read);
    QObject::connect(&notifier, &QSocketNotifier::activated, &app, [&] {
        char byte = 0;
        [[maybe_unused]] const ssize_t n = ::read(s_signalFds[1], &byte, 1);
        stop();
    });

    out << "Optiverse collaboration server listening on " << server.address().toString() << ':' << server.port()
        << Qt::endl;
    out << "Share one of these URLs with collaborators:" << Qt::endl;
    for (const QString &url : server.shareUrls())
        out << "  " << url << Qt::endl;
    if (server.usesTls()) {
        out << "TLS certificate SHA-256 fingerprint: " << server.certificateFingerprint() << Qt::endl;
        out << "  (collaborators can pin it if the certificate is self-signed)" << Qt::endl;
    }
    out << "Room for " << server.maxSockets() << " connections (file descriptor limit " << descriptors << "; "
        << limits.maxConnectionsPerAddress << " per address, " << limits.maxHandshakesPerAddress
        << " handshakes per address, " << limits.maxHandshakes << " in all)." << Qt::endl;
    if (!options.config.password.isEmpty())
        out << "A session password is required." << Qt::endl;
    if (!options.config.dataDir.isEmpty())
        out << "Sessions are stored in " << options.config.dataDir << Qt::endl;
    if (server.isAdvertising())
        out << "Announced on the LAN (see optiverse-collab-discover); --no-advertise turns that off." << Qt::endl;
    out << "Ready." << Qt::endl;

    const int rc = QCoreApplication::exec();
    return rc;
}
