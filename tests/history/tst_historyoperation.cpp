// SPDX-License-Identifier: MIT
// The history's unit of record (HistoryOperation) and the server's log of
// them (OperationLog), without sockets: the diff a command leaves, its stored
// form, applying it both ways, and the cheaper paths the server takes on every
// relayed command (the values the session model reports writing instead of a
// diff, a head that takes the model's item) giving exactly what the general
// paths give.
#include "Command.h"
#include "HistoryOperation.h"
#include "OperationLog.h"
#include "SessionModel.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <QTest>

using namespace Optiverse::Collab;

namespace {

StateItem item(const QString &id, const QJsonObject &data, const QString &type = QStringLiteral("lens"))
{
    return StateItem{id, type, data};
}

HistoryOperation operation(qint64 seq, const HistoryOperation::ItemChange &change)
{
    HistoryOperation op;
    op.seq = seq;
    op.userId = QStringLiteral("alice");
    op.timeMs = 1'700'000'000'000 + seq;
    op.command = QJsonObject{{QLatin1String("action"), QLatin1String("update_item")},
                             {QLatin1String("item_id"), change.itemId}};
    op.changes = {change};
    return op;
}

// A random edit of @p id in @p model that the model accepts (the generator
// knows the model's rules: moves and updates of an existing item).
Command randomEdit(QRandomGenerator &rng, const SessionModel &model, const QString &id)
{
    static const QStringList keys{QStringLiteral("x_mm"), QStringLiteral("y_mm"), QStringLiteral("angle_deg"),
                                  QStringLiteral("focal_length"), QStringLiteral("label"), QStringLiteral("coating")};
    Command c;
    c.itemId = id;
    c.itemType = model.find(id)->type;
    auto value = [&rng](const QString &key) -> QJsonValue {
        if (key == QLatin1String("label") || key == QLatin1String("coating"))
            return QStringLiteral("v%1").arg(rng.bounded(3)); // often equal to what is there
        return double(rng.bounded(4)) * 12.5;
    };
    if (rng.bounded(2) == 0) {
        c.action = Command::Action::Move;
        for (int i = 0; i < 3; ++i)
            if (i < 2 || rng.bounded(2))
                c.data.insert(keys[i], value(keys[i]));
        return c;
    }
    c.action = Command::Action::Update;
    const QJsonObject now = model.find(id)->data;
    for (const QString &key : keys)
        if (rng.bounded(2))
            c.data.insert(key, value(key));
    const bool partial = rng.bounded(2);
    if (partial) {
        for (auto it = c.data.constBegin(); it != c.data.constEnd(); ++it)
            if (rng.bounded(3))
                c.changedKeys.append(it.key());
        for (const QString &key : {QStringLiteral("label"), QStringLiteral("coating")})
            if (!c.data.contains(key) && now.contains(key) && rng.bounded(2))
                c.removedKeys.append(key);
    }
    return c;
}

} // namespace

class TestHistoryOperation : public QObject
{
    Q_OBJECT
private slots:
    void propertyDiffHoldsChangedAddedAndDeletedKeys();
    void wholeItemForms_data();
    void wholeItemForms();
    void storedFormRoundTrips();
    void modelsReportedChangesEqualTheDiff();
    void headTakingTheModelsItemEqualsApplying();
    void revertSkipsKeysChangedSinceInKeyOrder();
    void conflictsAreRecentEditsOfTheSameKeysByOthers();
};

void TestHistoryOperation::propertyDiffHoldsChangedAddedAndDeletedKeys()
{
    const StateItem before = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 1.0},
                                                       {QLatin1String("y_mm"), 2.0},
                                                       {QLatin1String("focal_length"), 100.0},
                                                       {QLatin1String("label"), QLatin1String("L1")}});
    const StateItem after = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 5.0},
                                                      {QLatin1String("y_mm"), 2.0},
                                                      {QLatin1String("coating"), QLatin1String("AR")}});
    const HistoryOperation::ItemChange c = HistoryOperation::diff(QStringLiteral("a"), &before, &after);
    QVERIFY(!c.isWholeItem());
    QCOMPARE(c.properties.size(), 4); // x changed, focal_length and label deleted, coating added
    QCOMPARE(c.beforeObject(), (QJsonObject{{QLatin1String("x_mm"), 1.0},
                                            {QLatin1String("focal_length"), 100.0},
                                            {QLatin1String("label"), QLatin1String("L1")}}));
    QCOMPARE(c.afterObject(), (QJsonObject{{QLatin1String("x_mm"), 5.0}, {QLatin1String("coating"), QLatin1String("AR")}}));

    HistoryScene scene{{QStringLiteral("a"), before}};
    HistoryOperation op = operation(1, c);
    op.apply(&scene);
    QCOMPARE(scene.value(QStringLiteral("a")).data, after.data);
    op.unapply(&scene);
    QCOMPARE(scene.value(QStringLiteral("a")).data, before.data);

    // Nothing changed: no property, and applying leaves the item as it is.
    const HistoryOperation::ItemChange none = HistoryOperation::diff(QStringLiteral("a"), &before, &before);
    QVERIFY(none.properties.isEmpty());
}

void TestHistoryOperation::wholeItemForms_data()
{
    QTest::addColumn<bool>("existedBefore");
    QTest::addColumn<bool>("existsAfter");
    QTest::addColumn<QString>("typeAfter");
    QTest::newRow("creation") << false << true << QStringLiteral("lens");
    QTest::newRow("removal") << true << false << QStringLiteral("lens");
    QTest::newRow("re-added as another type") << true << true << QStringLiteral("mirror");
}

void TestHistoryOperation::wholeItemForms()
{
    QFETCH(bool, existedBefore);
    QFETCH(bool, existsAfter);
    QFETCH(QString, typeAfter);
    const StateItem before = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 1.0}, {QLatin1String("f"), 50.0}});
    const StateItem after = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 3.0}}, typeAfter);
    const HistoryOperation::ItemChange c = HistoryOperation::diff(
        QStringLiteral("a"), existedBefore ? &before : nullptr, existsAfter ? &after : nullptr);
    QVERIFY(c.isWholeItem());
    QVERIFY(c.properties.isEmpty());
    QCOMPARE(c.beforeObject(), existedBefore ? before.data : QJsonObject());
    QCOMPARE(c.afterObject(), existsAfter ? after.data : QJsonObject());

    HistoryScene start;
    if (existedBefore)
        start.insert(before.id, before);
    HistoryScene scene = start;
    const HistoryOperation op = operation(1, c);
    op.apply(&scene);
    QCOMPARE(scene.contains(QStringLiteral("a")), existsAfter);
    if (existsAfter) {
        QCOMPARE(scene.value(QStringLiteral("a")).type, typeAfter);
        QCOMPARE(scene.value(QStringLiteral("a")).data, after.data);
    }
    op.unapply(&scene);
    QCOMPARE(scene.keys(), start.keys());
    if (existedBefore) {
        QCOMPARE(scene.value(QStringLiteral("a")).type, before.type);
        QCOMPARE(scene.value(QStringLiteral("a")).data, before.data);
    }
}

void TestHistoryOperation::storedFormRoundTrips()
{
    const StateItem v1 = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 1.0}, {QLatin1String("label"), QLatin1String("L1")}});
    const StateItem v2 = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 2.0}, {QLatin1String("n"), 1.5}});
    for (const HistoryOperation::ItemChange &c : {HistoryOperation::diff(QStringLiteral("a"), nullptr, &v1),
                                                  HistoryOperation::diff(QStringLiteral("a"), &v1, &v2),
                                                  HistoryOperation::diff(QStringLiteral("a"), &v2, nullptr)}) {
        const HistoryOperation op = operation(7, c);
        HistoryOperation read;
        QString error;
        QVERIFY2(HistoryOperation::fromJson(op.toJson(), &read, &error), qPrintable(error));
        QCOMPARE(read.toJson(), op.toJson());
        QCOMPARE(read.changes.size(), 1);
        QCOMPARE(read.changes.first().isWholeItem(), c.isWholeItem());
        QCOMPARE(read.changes.first().beforeObject(), c.beforeObject());
        QCOMPARE(read.changes.first().afterObject(), c.afterObject());
    }
}

void TestHistoryOperation::modelsReportedChangesEqualTheDiff()
{
    // The server records what SessionModel::prepare reports writing; for any
    // accepted edit that must be the whole difference, nothing more.
    const quint32 seed = QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    SessionModel model;
    const QStringList ids{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
    for (const QString &id : ids) {
        Command add;
        add.action = Command::Action::Add;
        add.itemId = id;
        add.itemType = QStringLiteral("lens");
        add.data = {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("label"), QLatin1String("v0")}};
        QVERIFY(model.apply(add));
    }
    for (int i = 0; i < 2000; ++i) {
        const QString id = ids[rng.bounded(int(ids.size()))];
        const Command command = randomEdit(rng, model, id);
        SessionModel::Change change;
        QString reason;
        QVERIFY2(model.prepare(command, &change, &reason), qPrintable(reason));
        const StateItem before = *model.find(id);
        const auto reported = HistoryOperation::propertyChange(id, before.type, change.properties);
        const auto full = HistoryOperation::diff(id, &before, &change.item);
        if (reported.properties.size() != full.properties.size() || reported.beforeObject() != full.beforeObject()
            || reported.afterObject() != full.afterObject())
            QFAIL(qPrintable(QStringLiteral("seed %1, edit %2 (%3): the model's report differs from the diff")
                                 .arg(seed).arg(i).arg(Command::actionName(command.action))));
        model.commit(change);
    }
}

void TestHistoryOperation::headTakingTheModelsItemEqualsApplying()
{
    const quint32 seed = QRandomGenerator::global()->generate();
    QRandomGenerator rng(seed);
    SessionModel model;
    OperationLog shared, applied; // append(op, item) and append(op)
    shared.setCheckpointInterval(64);
    applied.setCheckpointInterval(64);
    QList<HistoryScene> scenes{HistoryScene{}};
    qint64 seq = 0;
    for (int i = 0; i < 500; ++i) {
        const QString id = QStringLiteral("item-%1").arg(rng.bounded(5));
        Command command;
        command.itemId = id;
        if (!model.find(id)) {
            command.action = Command::Action::Add;
            command.itemType = rng.bounded(2) ? QStringLiteral("lens") : QStringLiteral("mirror");
            command.data = {{QLatin1String("x_mm"), double(i)}, {QLatin1String("y_mm"), 1.0}};
        } else if (rng.bounded(8) == 0) {
            command.action = Command::Action::Remove;
        } else {
            command = randomEdit(rng, model, id);
        }
        SessionModel::Change change;
        QString reason;
        QVERIFY2(model.prepare(command, &change, &reason), qPrintable(reason));
        const StateItem *before = model.find(id);
        const StateItem *after = change.remove ? nullptr : &change.item;
        const HistoryOperation op = operation(
            ++seq, change.created || change.remove ? HistoryOperation::diff(id, before, after)
                                                   : HistoryOperation::propertyChange(id, before->type, change.properties));
        shared.append(op, after);
        applied.append(op);
        model.commit(change);
        scenes.append(shared.head());
        QCOMPARE(shared.head().keys(), applied.head().keys());
        for (auto it = applied.head().cbegin(); it != applied.head().cend(); ++it) {
            QCOMPARE(shared.head().value(it.key()).type, it->type);
            QCOMPARE(shared.head().value(it.key()).data, it->data);
        }
    }
    // Walking back from the head through the checkpoints gives every scene.
    for (qint64 at = 0; at <= seq; at += 1 + rng.bounded(7)) {
        HistoryScene scene;
        QVERIFY(shared.sceneAt(at, &scene));
        const HistoryScene &expected = scenes.at(at);
        if (scene.keys() != expected.keys())
            QFAIL(qPrintable(QStringLiteral("seed %1: items at seq %2 differ").arg(seed).arg(at)));
        for (auto it = expected.cbegin(); it != expected.cend(); ++it)
            if (scene.value(it.key()).data != it->data)
                QFAIL(qPrintable(QStringLiteral("seed %1: %2 at seq %3 differs").arg(seed).arg(it.key()).arg(at)));
    }
}

void TestHistoryOperation::revertSkipsKeysChangedSinceInKeyOrder()
{
    OperationLog log;
    const StateItem v0 = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 0.0}, {QLatin1String("y_mm"), 0.0},
                                                   {QLatin1String("focal_length"), 100.0}, {QLatin1String("label"), QLatin1String("L")}});
    // alice: focal_length, label and x at once; then bob changes label and x.
    const StateItem v1 = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 5.0}, {QLatin1String("y_mm"), 0.0},
                                                   {QLatin1String("focal_length"), 75.0}, {QLatin1String("label"), QLatin1String("M")}});
    const StateItem v2 = item(QStringLiteral("a"), {{QLatin1String("x_mm"), 9.0}, {QLatin1String("y_mm"), 0.0},
                                                   {QLatin1String("focal_length"), 75.0}, {QLatin1String("label"), QLatin1String("N")}});
    log.append(operation(1, HistoryOperation::diff(v0.id, nullptr, &v0)), &v0);
    log.append(operation(2, HistoryOperation::diff(v0.id, &v0, &v1)), &v1);
    HistoryOperation bob = operation(3, HistoryOperation::diff(v0.id, &v1, &v2));
    bob.userId = QStringLiteral("bob");
    log.append(bob, &v2);

    QList<Command> commands;
    QJsonArray skipped;
    qsizetype skippedTotal = 0;
    QString error;
    QVERIFY2(log.revertCommands(2, &commands, &skipped, &skippedTotal, &error), qPrintable(error));
    QCOMPARE(skippedTotal, 2);
    QCOMPARE(commands.size(), 1);
    QCOMPARE(commands.first().changedKeys, QStringList{QStringLiteral("focal_length")});
    QCOMPARE(commands.first().data.value(QLatin1String("focal_length")).toDouble(), 100.0);
    QCOMPARE(commands.first().data.value(QLatin1String("label")).toString(), QStringLiteral("N")); // bob's stays
    QCOMPARE(skipped.size(), 2);
    QCOMPARE(skipped.at(0).toObject().value(QLatin1String("key")).toString(), QStringLiteral("label"));
    QCOMPARE(skipped.at(1).toObject().value(QLatin1String("key")).toString(), QStringLiteral("x_mm"));
    QCOMPARE(skipped.at(1).toObject().value(QLatin1String("user_id")).toString(), QStringLiteral("bob"));
}

void TestHistoryOperation::conflictsAreRecentEditsOfTheSameKeysByOthers()
{
    OperationLog log;
    qint64 seq = 0;
    qint64 clock = 1'700'000'000'000;
    QHash<QString, StateItem> items;
    // Each step: who, how long after the previous step, and the item's new
    // data (empty: removed). Returns the step's seq.
    const auto step = [&](const QString &user, qint64 afterMs, const QString &id, const QJsonObject &data) {
        const StateItem *before = items.contains(id) ? &items[id] : nullptr;
        const StateItem after = item(id, data);
        HistoryOperation op = operation(++seq, HistoryOperation::diff(id, before, data.isEmpty() ? nullptr : &after));
        op.userId = user;
        op.timeMs = clock += afterMs;
        log.append(op, data.isEmpty() ? nullptr : &after);
        if (data.isEmpty())
            items.remove(id);
        else
            items.insert(id, after);
        return seq;
    };
    const auto pose = [](double x, double f) {
        return QJsonObject{{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("focal_length"), f}};
    };
    const qint64 added = step(QStringLiteral("alice"), 0, QStringLiteral("a"), pose(0, 100));
    const qint64 bobsFirst = step(QStringLiteral("bob"), 1000, QStringLiteral("a"), pose(0, 75)); // alice's add is a start
    QCOMPARE(log.conflictOf(added).seq, -1);
    QCOMPARE(log.conflictOf(bobsFirst).seq, -1);

    const qint64 alices = step(QStringLiteral("alice"), 2000, QStringLiteral("a"), pose(0, 50)); // over bob's 75
    OperationLog::Conflict c = log.conflictOf(alices);
    QCOMPARE(c.seq, bobsFirst);
    QCOMPARE(c.userId, QStringLiteral("bob"));
    QCOMPARE(c.itemId, QStringLiteral("a"));
    QCOMPARE(c.keys, QStringList{QStringLiteral("focal_length")});

    const qint64 move = step(QStringLiteral("bob"), 1000, QStringLiteral("a"), pose(5, 50)); // another key
    QCOMPARE(log.conflictOf(move).seq, -1);
    const qint64 mine = step(QStringLiteral("bob"), 1000, QStringLiteral("a"), pose(6, 50)); // his own move
    QCOMPARE(log.conflictOf(mine).seq, -1);
    const qint64 late = step(QStringLiteral("alice"), OperationLog::ConflictWindowMs + 1, QStringLiteral("a"), pose(7, 50));
    QCOMPARE(log.conflictOf(late).seq, -1); // bob's move was longer ago than the window

    const qint64 removal = step(QStringLiteral("bob"), 500, QStringLiteral("a"), {}); // alice had just moved it
    c = log.conflictOf(removal);
    QCOMPARE(c.seq, late);
    QCOMPARE(c.userId, QStringLiteral("alice"));
    QVERIFY(c.keys.isEmpty());
    QCOMPARE(log.conflictOf(seq + 1).seq, -1); // no such operation
}

QTEST_APPLESS_MAIN(TestHistoryOperation)
#include "tst_historyoperation.moc"
