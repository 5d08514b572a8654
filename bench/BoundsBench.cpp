// SPDX-License-Identifier: MIT
// optiverse-bounds-bench: what a long-running optiverse-collab-server holds and
// spends under real and hostile use. Each scenario starts a fresh server
// process (loopback, ephemeral port) and drives it with real WebSocket
// clients; memory is the server's RSS, CPU the server main thread's time
// (/proc/PID/schedstat, nanoseconds), disk the files of its --data-dir.
#include "BenchUtil.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QScopeGuard>
#include <QTextStream>
#include <QThread>
#include <QWebSocket>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>

using namespace OptiverseBench;

namespace {

QTextStream &out()
{
    static QTextStream s(stdout);
    return s;
}

/// Runs the event loop until @p done or @p timeoutMs passed; returns done().
bool waitUntil(const std::function<bool()> &done, int timeoutMs)
{
    QElapsedTimer t;
    t.start();
    while (!done()) {
        if (t.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}

/// The server as a child process.
class Server
{
public:
    explicit Server(const QString &binary) : m_binary(binary) {}
    ~Server()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.terminate();
            if (!m_process.waitForFinished(5000))
                m_process.kill();
            m_process.waitForFinished(2000);
        }
    }

    bool start(QStringList args)
    {
        args << QStringLiteral("--host") << QStringLiteral("127.0.0.1") << QStringLiteral("--port") << QStringLiteral("0")
             << QStringLiteral("--no-advertise");
        m_process.setProcessChannelMode(QProcess::MergedChannels);
        m_process.start(m_binary, args);
        QByteArray printed;
        const bool ready = waitUntil([&] {
            printed += m_process.readAll();
            return printed.contains("Ready.") || m_process.state() == QProcess::NotRunning;
        }, 20000);
        const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("listening on [^:]+:(\\d+)"))
                                              .match(QString::fromUtf8(printed));
        if (!ready || !m.hasMatch()) {
            QTextStream(stderr) << "server did not start:\n" << printed << '\n';
            return false;
        }
        m_port = quint16(m.captured(1).toUInt());
        return true;
    }
    QUrl url(const QString &session, const QString &user) const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws/%2/%3").arg(m_port).arg(session, user));
    }
    qint64 pid() const { return m_process.processId(); }
    qint64 rssKiB() const
    {
        qint64 kib = -1;
        readProcRssKiB(pid(), &kib);
        return kib;
    }
    /// CPU time of the server's main thread (all its event loop's work), in ns.
    qint64 mainThreadCpuNs() const
    {
        QFile f(QStringLiteral("/proc/%1/schedstat").arg(pid()));
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        return f.readAll().split(' ').value(0).toLongLong();
    }

private:
    QString m_binary;
    QProcess m_process;
    quint16 m_port = 0;
};

/// A capable client that records what it receives.
class Peer : public QObject
{
public:
    bool open(const QUrl &url)
    {
        QNetworkRequest request(url);
        request.setRawHeader("X-Optiverse-Capabilities", "seq");
        connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
            const QJsonObject m = QJsonDocument::fromJson(text.toUtf8()).object();
            const QString type = m.value(QLatin1String("type")).toString();
            if (type == QLatin1String("command"))
                lastSeq = qMax(lastSeq, m.value(QLatin1String("seq")).toInteger());
            else if (type == QLatin1String("sync:full_state"))
                ++states;
            else if (type == QLatin1String("sync:caught_up"))
                ++caughtUp;
            if (keep || type.startsWith(QLatin1String("history:")) || type == QLatin1String("error")
                || type == QLatin1String("connection:ack"))
                messages.append(m);
            if (onMessage)
                onMessage(m);
        });
        connect(&socket, &QWebSocket::disconnected, this, [this] {
            closed = true;
            closeCode = socket.closeCode();
        });
        socket.open(request);
        return waitUntil([this] { return acked() || closed; }, 10000) && acked();
    }
    bool acked() const
    {
        return std::any_of(messages.cbegin(), messages.cend(), [](const QJsonObject &m) {
            return m.value(QLatin1String("type")).toString() == QLatin1String("connection:ack");
        });
    }
    void send(const QJsonObject &m) { socket.sendTextMessage(QString::fromUtf8(QJsonDocument(m).toJson(QJsonDocument::Compact))); }
    /// Sends a history request and waits for its reply (or error).
    QJsonObject ask(QJsonObject request, int timeoutMs = 30000)
    {
        const QString id = QString::number(++m_requests);
        request.insert(QLatin1String("request_id"), id);
        send(request);
        QJsonObject reply;
        waitUntil([&] {
            for (const QJsonObject &m : std::as_const(messages))
                if (m.value(QLatin1String("request_id")).toString() == id) {
                    reply = m;
                    return true;
                }
            return false;
        }, timeoutMs);
        return reply;
    }

    QWebSocket socket;
    QList<QJsonObject> messages;
    bool keep = true;
    qint64 lastSeq = 0;
    int states = 0;
    int caughtUp = 0;
    bool closed = false;
    int closeCode = -1;
    std::function<void(const QJsonObject &)> onMessage;

private:
    int m_requests = 0;
};

QJsonObject command(const QString &action, const QString &id, const QJsonObject &data, const QStringList &changed = {})
{
    QJsonObject c{{QLatin1String("action"), action}, {QLatin1String("item_id"), id},
                  {QLatin1String("item_type"), QStringLiteral("lens")}, {QLatin1String("data"), data}};
    if (!changed.isEmpty())
        c.insert(QLatin1String("changed_keys"), QJsonArray::fromStringList(changed));
    return {{QLatin1String("type"), QLatin1String("command")}, {QLatin1String("command"), c}};
}

QJsonObject item(double x, const QString &text = {})
{
    QJsonObject o{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("focal_length"), 100.0}};
    if (!text.isEmpty())
        o.insert(QLatin1String("label"), text);
    return o;
}

struct Options
{
    QString server;
    double movesSeconds = 60;
    int movers = 10;
    int movesPerSecond = 100;
};

/// A server (rate limit out of the way) with alice and bob in session "lab".
bool startPair(Server &server, Peer &alice, Peer &bob)
{
    alice.keep = bob.keep = false;
    return server.start({QStringLiteral("--max-rate"), QStringLiteral("100000")})
        && alice.open(server.url(QStringLiteral("lab"), QStringLiteral("alice")))
        && bob.open(server.url(QStringLiteral("lab"), QStringLiteral("bob")));
}

// --- Scenarios ------------------------------------------------------------------

int textEdits(const Options &o)
{
    Server server(o.server);
    Peer editor;
    Peer watcher;
    if (!startPair(server, editor, watcher))
        return 1;
    editor.send(command(QStringLiteral("add_item"), QStringLiteral("t"), item(0, QString(1000, QLatin1Char('a')))));
    waitUntil([&] { return watcher.lastSeq >= 1; }, 10000);
    const qint64 before = server.rssKiB();
    for (int i = 1; i <= 2000; ++i) {
        QString text(1000, QChar(u'a' + i % 26));
        text.replace(0, 6, QString::number(i).rightJustified(6, QLatin1Char('0')));
        editor.send(command(QStringLiteral("update_item"), QStringLiteral("t"), {{QLatin1String("label"), text}},
                            {QStringLiteral("label")}));
        if (i % 100 == 0 && !waitUntil([&] { return watcher.lastSeq >= i + 1; }, 30000))
            return 1;
    }
    out() << "text edits: 2,000 edits of a 1 KB text property: server RSS +" << (server.rssKiB() - before) / 1024.0
          << " MB (budget 16 MB)\n";
    return 0;
}

qint64 fileSize(const QString &path)
{
    return QFileInfo(path).exists() ? QFileInfo(path).size() : 0;
}

int moves(const Options &o)
{
    QTemporaryDir dir;
    Server server(o.server);
    if (!server.start({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--max-rate"), QStringLiteral("100000")}))
        return 1;
    std::vector<std::unique_ptr<Peer>> peers;
    for (int i = 0; i < o.movers; ++i) {
        auto p = std::make_unique<Peer>();
        p->keep = false;
        if (!p->open(server.url(QStringLiteral("lab"), QStringLiteral("m%1").arg(i))))
            return 1;
        p->send(command(QStringLiteral("add_item"), QStringLiteral("i%1").arg(i), item(i)));
        peers.push_back(std::move(p));
    }
    const QString wal = dir.filePath(QStringLiteral("optiverse-collab.sqlite-wal"));
    const QString db = dir.filePath(QStringLiteral("optiverse-collab.sqlite"));
    qint64 walMax = 0;
    qint64 rssAt12k = -1;
    qint64 sent = 0;
    const qint64 total = qint64(o.movesSeconds * o.movers * o.movesPerSecond);
    QElapsedTimer clock;
    clock.start();
    QElapsedTimer sample;
    sample.start();
    const qint64 rss0 = server.rssKiB();
    while (sent < total) {
        const qint64 due = clock.elapsed() * o.movers * o.movesPerSecond / 1000;
        for (; sent < qMin(due, total); ++sent) {
            const int who = int(sent % o.movers);
            peers[size_t(who)]->send(command(QStringLiteral("move_item"), QStringLiteral("i%1").arg(who),
                                             {{QLatin1String("x_mm"), double(sent % 1000)}, {QLatin1String("y_mm"), 1.0}}));
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents, 2);
        if (sample.elapsed() >= 100) {
            sample.restart();
            walMax = qMax(walMax, fileSize(wal));
            const qint64 seen = peers[0]->lastSeq;
            if (rssAt12k < 0 && seen >= 12000 + o.movers)
                rssAt12k = server.rssKiB();
        }
    }
    waitUntil([&] { return peers[0]->lastSeq >= total + o.movers; }, 60000);
    const qint64 rssEnd = server.rssKiB();
    walMax = qMax(walMax, fileSize(wal));
    const qint64 ops = peers[0]->lastSeq;
    out() << "moves with --data-dir: " << o.movers << " members x " << o.movesPerSecond << " moves/s, " << ops
          << " operations in " << clock.elapsed() / 1000.0 << " s: RSS " << rss0 / 1024 << " -> " << rssEnd / 1024
          << " MiB; after the first 12,000: "
          << (rssAt12k < 0 ? QStringLiteral("n/a") : QString::number(double(rssEnd - rssAt12k) * 1024.0 / double(ops - 12000), 'f', 1))
          << " bytes/operation (budget 256); WAL max " << walMax / 1048576.0 << " MiB (budget 64); database "
          << fileSize(db) / 1048576.0 << " MiB, " << double(fileSize(db)) / double(qMax<qint64>(1, ops)) << " bytes/operation\n";
    return 0;
}

/// A session with a 10,000-item push, then 10,000 moves, as the figures use.
bool pushThenMoves(Peer &host, int items, int movesCount)
{
    QJsonArray list;
    for (int i = 0; i < items; ++i) {
        QJsonObject it = item(i);
        it.insert(QLatin1String("uuid"), QStringLiteral("p%1").arg(i));
        it.insert(QLatin1String("item_type"), QStringLiteral("lens"));
        it.insert(QLatin1String("name"), QStringLiteral("Lens %1").arg(i));
        list.append(it);
    }
    host.send({{QLatin1String("type"), QLatin1String("sync:full_state")},
               {QLatin1String("state"), QJsonObject{{QLatin1String("items"), list}}}});
    if (!waitUntil([&] { return host.caughtUp > 0; }, 30000)) // the push is acknowledged with sync:caught_up
        return false;
    for (int i = 0; i < movesCount; ++i) {
        host.send(command(QStringLiteral("move_item"), QStringLiteral("p%1").arg(i % items),
                          {{QLatin1String("x_mm"), double(i)}, {QLatin1String("y_mm"), 2.0}}));
        if (i % 500 == 499 && !waitUntil([&] { return host.lastSeq >= i + 2; }, 30000))
            return false;
    }
    return waitUntil([&] { return host.lastSeq >= movesCount + 1; }, 30000);
}

/// A server whose session "lab" had a 10,000-item push and 10,000 moves by @p host.
bool startPushedSession(Server &server, Peer &host)
{
    host.keep = false;
    return server.start({QStringLiteral("--max-rate"), QStringLiteral("100000"), QStringLiteral("--max-state-bytes"),
                         QStringLiteral("33554432")})
        && host.open(server.url(QStringLiteral("lab"), QStringLiteral("alice"))) && pushThenMoves(host, 10000, 10000);
}

int historyCosts(const Options &o)
{
    Server server(o.server);
    Peer host;
    if (!startPushedSession(server, host))
        return 1;
    auto cost = [&](const QJsonObject &request, QJsonObject *reply) {
        const qint64 before = server.mainThreadCpuNs();
        *reply = host.ask(request);
        return (server.mainThreadCpuNs() - before) / 1e6;
    };
    QJsonObject reply;
    const double sceneMs = cost({{QLatin1String("type"), QLatin1String("history:scene_at")}, {QLatin1String("seq"), 1}}, &reply);
    const qsizetype sceneItems = reply.value(QLatin1String("state")).toObject().value(QLatin1String("items")).toArray().size();
    const double sceneAgainMs = cost({{QLatin1String("type"), QLatin1String("history:scene_at")}, {QLatin1String("seq"), 1}}, &reply);
    const double revertMs = cost({{QLatin1String("type"), QLatin1String("history:revert")}, {QLatin1String("seq"), 1}}, &reply);
    const int applied = reply.value(QLatin1String("applied")).toInt();
    const double revertNothingMs = cost({{QLatin1String("type"), QLatin1String("history:revert")}, {QLatin1String("seq"), 1}}, &reply);
    const double pageMs = cost({{QLatin1String("type"), QLatin1String("history:page")}, {QLatin1String("limit"), 500}}, &reply);
    out() << "history costs (10,000-item push, then 10,000 moves), server main-thread CPU: scene_at(1) "
          << sceneMs << " ms (" << sceneItems << " items; again, cached: " << sceneAgainMs << " ms; budget 25), revert of the push "
          << revertMs << " ms (" << applied << " commands; budget 100), the same revert again (changes nothing) "
          << revertNothingMs << " ms, a page of 500 " << pageMs << " ms\n";
    return 0;
}

int flood(const Options &o)
{
    Server server(o.server);
    Peer host;
    if (!startPushedSession(server, host))
        return 1;
    // Honest members in another session: a command every 10 ms, round trip measured.
    Peer a;
    Peer b;
    a.keep = b.keep = false;
    if (!a.open(server.url(QStringLiteral("work"), QStringLiteral("a"))) || !b.open(server.url(QStringLiteral("work"), QStringLiteral("b"))))
        return 1;
    a.send(command(QStringLiteral("add_item"), QStringLiteral("w"), item(0)));
    waitUntil([&] { return b.lastSeq >= 1; }, 5000);
    auto measure = [&](double seconds) {
        QList<double> rtts;
        qint64 sentAt = 0;
        bool waiting = false;
        a.onMessage = [&](const QJsonObject &m) {
            if (waiting && m.value(QLatin1String("type")).toString() == QLatin1String("command")) {
                rtts.append((monotonicNs() - sentAt) / 1e6);
                waiting = false;
            }
        };
        QElapsedTimer t;
        t.start();
        QElapsedTimer tick;
        tick.start();
        int n = 0;
        while (t.elapsed() < seconds * 1000) {
            if (!waiting && tick.elapsed() >= 10) {
                tick.restart();
                sentAt = monotonicNs();
                waiting = true;
                a.send(command(QStringLiteral("move_item"), QStringLiteral("w"),
                               {{QLatin1String("x_mm"), double(++n)}, {QLatin1String("y_mm"), 0.0}}));
            }
            QCoreApplication::processEvents(QEventLoop::AllEvents, 1);
        }
        a.onMessage = nullptr;
        std::sort(rtts.begin(), rtts.end());
        return rtts.isEmpty() ? -1.0 : rtts.at(qMin(rtts.size() - 1, qsizetype(rtts.size() * 0.99)));
    };
    const double idleP99 = measure(10);
    // Three flooders, each keeping a scene_at of a random seq in flight,
    // forever. They read and parse 1.4 MB replies: on their own thread, so
    // the honest round trip measures the server, not this program's parsing.
    QThread floodThread;
    floodThread.start();
    QObject floodContext;
    floodContext.moveToThread(&floodThread);
    std::vector<std::unique_ptr<Peer>> flooders;
    std::atomic<int> answered{0};
    bool opened = true;
    QMetaObject::invokeMethod(&floodContext, [&] {
        for (int i = 0; i < 3 && opened; ++i) {
            auto f = std::make_unique<Peer>();
            f->keep = false;
            opened = f->open(server.url(QStringLiteral("lab"), QStringLiteral("f%1").arg(i)));
            Peer *p = f.get();
            const auto ask = [p] {
                p->send({{QLatin1String("type"), QLatin1String("history:scene_at")},
                         {QLatin1String("seq"), qint64(QRandomGenerator::global()->bounded(10000))}});
            };
            p->onMessage = [ask, &answered](const QJsonObject &m) {
                const QString type = m.value(QLatin1String("type")).toString();
                if (type == QLatin1String("history:scene") || type == QLatin1String("error")) {
                    ++answered;
                    ask();
                }
            };
            for (int k = 0; k < 4; ++k)
                ask();
            flooders.push_back(std::move(f));
        }
    }, Qt::BlockingQueuedConnection);
    const auto stopFlood = qScopeGuard([&] {
        QMetaObject::invokeMethod(&floodContext, [&] { flooders.clear(); }, Qt::BlockingQueuedConnection);
        floodThread.quit();
        floodThread.wait();
    });
    if (!opened)
        return 1;
    const double floodP99 = measure(20);
    out() << "history flood: honest round trip p99 " << idleP99 << " ms idle, " << floodP99
          << " ms while 3 connections keep scene_at requests of a 10,000-item scene in flight (" << answered.load()
          << " answered in 20 s); budget: within 2x of idle\n";
    return 0;
}

int restoreTwice(const Options &o)
{
    Server server(o.server);
    Peer restorer;
    Peer other;
    if (!startPair(server, restorer, other))
        return 1;
    for (int i = 0; i < 10000; ++i) {
        restorer.send(command(QStringLiteral("add_item"), QStringLiteral("r%1").arg(i), item(i, QString(1000, QChar(u'a' + i % 26)))));
        if (i % 200 == 199 && !waitUntil([&] { return other.lastSeq >= i + 1; }, 30000))
            return 1;
    }
    waitUntil([&] { return other.lastSeq >= 10000; }, 30000);
    QElapsedTimer t;
    t.start();
    const qint64 cpu0 = server.mainThreadCpuNs();
    const QJsonObject first = restorer.ask({{QLatin1String("type"), QLatin1String("history:restore")}, {QLatin1String("seq"), 0}}, 60000);
    const QJsonObject second = restorer.ask({{QLatin1String("type"), QLatin1String("history:restore")}, {QLatin1String("seq"), 10000}}, 60000);
    const double cpuMs = (server.mainThreadCpuNs() - cpu0) / 1e6;
    waitUntil([&] { return other.states >= 2 || other.closed; }, 30000);
    out() << "restore of 10,000 items of 1 KB, twice (to the empty start and back): replies "
          << first.value(QLatin1String("applied")).toInt() << " and " << second.value(QLatin1String("applied")).toInt()
          << " commands applied in " << t.elapsed() << " ms (server CPU " << cpuMs << " ms); restorer "
          << (restorer.closed ? QStringLiteral("DISCONNECTED (%1)").arg(restorer.closeCode) : QStringLiteral("connected"))
          << ", other member " << (other.closed ? QStringLiteral("DISCONNECTED (%1)").arg(other.closeCode) : QStringLiteral("connected"))
          << " (" << other.states << " states received)\n";
    return restorer.closed || other.closed ? 1 : 0;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("What a long-running optiverse-collab-server holds and spends "
                                                    "(memory, disk, CPU) under real and hostile use."));
    parser.addHelpOption();
    const QCommandLineOption serverO(QStringLiteral("server"), QStringLiteral("The server binary (default: next to this one)."),
                                     QStringLiteral("path"),
                                     QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("optiverse-collab-server")));
    const QCommandLineOption secondsO(QStringLiteral("moves-seconds"), QStringLiteral("Seconds of the moves scenario (default 60)."),
                                      QStringLiteral("s"), QStringLiteral("60"));
    const QCommandLineOption rateO(QStringLiteral("moves-rate"), QStringLiteral("Moves per second per member (default 100)."),
                                   QStringLiteral("n"), QStringLiteral("100"));
    parser.addOptions({serverO, secondsO, rateO});
    parser.addPositionalArgument(QStringLiteral("scenario"), QStringLiteral("text, moves, costs, flood, restore (default: all)."));
    parser.process(app);
    Options o;
    o.server = parser.value(serverO);
    o.movesSeconds = qBound(1.0, parser.value(secondsO).toDouble(), 3600.0);
    o.movesPerSecond = qBound(1, parser.value(rateO).toInt(), 10000);
    const QStringList all{QStringLiteral("text"), QStringLiteral("moves"), QStringLiteral("costs"), QStringLiteral("flood"),
                          QStringLiteral("restore")};
    const QStringList chosen = parser.positionalArguments().isEmpty() ? all : parser.positionalArguments();
    int rc = 0;
    for (const QString &s : chosen) {
        int r = 2;
        if (s == QLatin1String("text")) r = textEdits(o);
        else if (s == QLatin1String("moves")) r = moves(o);
        else if (s == QLatin1String("costs")) r = historyCosts(o);
        else if (s == QLatin1String("flood")) r = flood(o);
        else if (s == QLatin1String("restore")) r = restoreTwice(o);
        else QTextStream(stderr) << "unknown scenario " << s << '\n';
        out().flush();
        rc = qMax(rc, r);
    }
    return rc;
}
