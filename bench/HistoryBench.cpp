// SPDX-License-Identifier: MIT
// optiverse-history-bench: the session history's figures.
//  1. the scene at an arbitrary seq of a 100,000-operation history over
//     10,000 items (OperationLog::sceneAt);
//  2. a history page of 100 entries, as the server builds and serialises it;
//  3. `--export` of 100,000 stored operations (RecordingExporter into a file).
// Release build; prints one line per figure: median, p95 and max over runs.
#include "OperationLog.h"
#include "Recording.h"
#include "RecordingExporter.h"
#include "SessionStore.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTextStream>
#include <algorithm>
#include <cstdio>

using namespace Optiverse::Collab;

namespace {

struct Stats
{
    double median, p95, max;
};
Stats stats(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v[std::min(v.size() - 1, size_t(v.size() * 0.95))], v.back()};
}
void print(const char *what, const Stats &s, const char *target)
{
    std::printf("%-58s median %8.2f ms  p95 %8.2f ms  max %8.2f ms  (target %s)\n", what, s.median, s.p95, s.max, target);
    std::fflush(stdout);
}

QString itemId(int n)
{
    return QStringLiteral("00000000-0000-4000-8000-%1").arg(n, 12, 10, QLatin1Char('0'));
}

// A history like a lab's: items added, then moved (most), edited, a few
// removed and added again. Each operation as ServerSession records it.
std::vector<HistoryOperation> makeHistory(int items, int operations, quint32 seed)
{
    QRandomGenerator rng(seed);
    std::vector<HistoryOperation> ops;
    ops.reserve(operations);
    HistoryScene scene;
    for (qint64 seq = 1; seq <= operations; ++seq) {
        HistoryOperation op;
        op.seq = seq;
        op.userId = QStringLiteral("user%1").arg(rng.bounded(8));
        op.timeMs = 1'700'000'000'000 + seq * 500;
        const int n = seq <= items ? int(seq - 1) : int(rng.bounded(items));
        const QString id = itemId(n);
        const auto before = scene.constFind(id);
        StateItem after{id, QStringLiteral("lens"), {}};
        Command c;
        c.itemId = id;
        c.itemType = after.type;
        if (before == scene.cend()) {
            after.data = QJsonObject{{QLatin1String("x_mm"), double(rng.bounded(1000))}, {QLatin1String("y_mm"), 0.0},
                                     {QLatin1String("angle_deg"), 0.0}, {QLatin1String("focal_length"), 100.0},
                                     {QLatin1String("diameter_mm"), 25.4}, {QLatin1String("name"), QStringLiteral("Lens %1").arg(n)},
                                     {QLatin1String("z_value"), n}};
            c.action = Command::Action::Add;
        } else {
            const int kind = int(rng.bounded(100));
            if (kind < 2) {
                c.action = Command::Action::Remove;
            } else {
                after.data = before->data;
                if (kind < 80) {
                    after.data.insert(QLatin1String("x_mm"), double(rng.bounded(1000)));
                    after.data.insert(QLatin1String("y_mm"), double(rng.bounded(1000)));
                    c.action = Command::Action::Move;
                } else {
                    after.data.insert(QLatin1String("focal_length"), double(rng.bounded(500)) + 1);
                    c.action = Command::Action::Update;
                    c.changedKeys = {QStringLiteral("focal_length")};
                }
            }
        }
        c.data = after.data;
        op.command = c.toJson();
        const bool removed = c.action == Command::Action::Remove;
        op.changes.append(HistoryOperation::diff(id, before == scene.cend() ? nullptr : &*before, removed ? nullptr : &after));
        op.apply(&scene);
        ops.push_back(std::move(op));
    }
    return ops;
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    constexpr int Items = 10000;
    constexpr int Operations = 100000;
    QElapsedTimer timer;
    timer.start();
    std::vector<HistoryOperation> ops = makeHistory(Items, Operations, 42);
    std::printf("history: %d operations over %d items (generated in %lld ms)\n", Operations, Items, timer.elapsed());

    // 1. Scene at a random seq.
    OperationLog log;
    for (const HistoryOperation &op : ops)
        log.append(op);
    QRandomGenerator rng(7);
    std::vector<double> times;
    HistoryScene scene;
    for (int i = 0; i < 200; ++i) {
        const qint64 seq = 1 + rng.bounded(Operations);
        timer.restart();
        log.sceneAt(seq, &scene);
        times.push_back(timer.nsecsElapsed() / 1e6);
    }
    print("scene at a random seq (100,000 ops, 10,000 items)", stats(times), "< 50 ms");

    // 2. A page of 100 entries, built and serialised as the server sends it.
    times.clear();
    for (int i = 0; i < 200; ++i) {
        OperationLog::PageQuery q;
        q.beforeSeq = 100 + rng.bounded(Operations - 100);
        q.limit = 100;
        timer.restart();
        qint64 next = -1;
        QJsonArray entries;
        for (const HistoryOperation *op : log.page(q, &next))
            entries.append(op->toJson());
        const QByteArray bytes = QJsonDocument(QJsonObject{{QLatin1String("entries"), entries}}).toJson(QJsonDocument::Compact);
        times.push_back(timer.nsecsElapsed() / 1e6);
        if (bytes.isEmpty())
            return 1;
    }
    print("history page of 100 entries (built + serialised)", stats(times), "< 10 ms");

    // 3. Export of 100,000 stored operations.
    QTemporaryDir dir;
    SessionStore store;
    QString error;
    if (!store.open(dir.path(), &error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    timer.restart();
    HistoryScene head;
    for (const HistoryOperation &op : ops) {
        op.apply(&head);
        const HistoryOperation::ItemChange &c = op.changes.constFirst();
        const QByteArray json = QJsonDocument(op.toJson()).toJson(QJsonDocument::Compact);
        const QString relayed = QString::fromUtf8(QJsonDocument(op.command).toJson(QJsonDocument::Compact));
        const bool ok = !c.existsAfter ? store.removeItem(QStringLiteral("lab"), c.itemId, op.seq, relayed, &error, json)
                                       : store.putItem(QStringLiteral("lab"), head.value(c.itemId), op.seq, relayed, &error,
                                                       false, json);
        if (!ok) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
    }
    std::printf("stored %d operations in %lld ms (one transaction each, as the server does)\n", Operations, timer.elapsed());
    times.clear();
    qint64 bytes = 0;
    for (int i = 0; i < 5; ++i) {
        QFile out(dir.filePath(QStringLiteral("lab.jsonl")));
        if (!out.open(QIODevice::WriteOnly))
            return 1;
        qint64 count = 0;
        timer.restart();
        if (!RecordingExporter::exportSession(&store, QStringLiteral("lab"), &out, &count, &error)) {
            std::fprintf(stderr, "%s\n", qPrintable(error));
            return 1;
        }
        out.close();
        times.push_back(timer.nsecsElapsed() / 1e6);
        bytes = out.size();
    }
    print("export of 100,000 operations", stats(times), "< 1000 ms");
    Recording check;
    if (!Recording::readFile(dir.filePath(QStringLiteral("lab.jsonl")), &check, &error) || check.sceneAt() != head) {
        std::fprintf(stderr, "the export does not replay to the live scene: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("recording: %.1f MB, replays to the live scene (%lld items)\n", bytes / 1e6, qint64(head.size()));
    return 0;
}
