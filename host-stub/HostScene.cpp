// SPDX-License-Identifier: MIT
#include "HostScene.h"

#include "JsonTypeName.h"

#include "AddItemCommand.h"
#include "MoveItemCommand.h"
#include "RemoveItemCommand.h"
#include "UndoableCommand.h"
#include "UpdateItemCommand.h"

#include <optiverse/iundoguard.h>

#include <QGraphicsScene>
#include <QGraphicsSceneMouseEvent>
#include <QJsonArray>
#include <QUndoStack>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

using Optiverse::ChangeOrigin;
using Optiverse::ISceneObserver;
using Optiverse::SceneItem;

namespace {
bool fail(QString *errorString, const QString &message)
{
    if (errorString)
        *errorString = message;
    return false;
}

QString idText(const QUuid &uuid)
{
    return uuid.toString(QUuid::WithBraces);
}

} // namespace

HostScene::HostScene(QObject *parent)
    : QObject(parent), m_scene(new QGraphicsScene(this)), m_undoStack(new QUndoStack(this))
{
    // A generous fixed table keeps the scene rect from being recomputed on
    // every add (that is O(n) per change otherwise); it still grows if needed.
    m_scene->setSceneRect(-1000, -1000, 2000, 2000);
    m_scene->installEventFilter(this); // to see the release that ends a drag
    // Anything done to the stack outside undo()/redo() (an edit, clear())
    // ends the chance to apply what the last step left out.
    connect(m_undoStack, &QUndoStack::indexChanged, this, [this] {
        if (!m_inStep) {
            m_stepCurrent = false;
            m_skippedCommands.clear();
        }
    });
}

HostScene::~HostScene()
{
    m_scene->removeEventFilter(this);
    // Undo commands only hold UUIDs; the items go with the QGraphicsScene.
    m_undoStack->clear();
    m_undoGuards.clear();
    m_observers.clear();
    m_keysObservers.clear();
    m_items.clear();
    delete m_scene;
}

QString HostScene::uuidText(const QUuid &uuid)
{
    return uuid.toString(QUuid::WithoutBraces);
}

QList<SceneItem> HostScene::items() const
{
    QList<SceneItem> result;
    result.reserve(m_items.size());
    for (const OpticalItem *it : m_items)
        result.append(it->sceneItem());
    return result;
}

SceneItem HostScene::item(const QUuid &uuid) const
{
    const OpticalItem *it = m_items.value(uuid);
    return it ? it->sceneItem() : SceneItem{};
}

QList<QUuid> HostScene::selectedUuids() const
{
    QList<QUuid> result;
    const QList<QGraphicsItem *> selected = m_scene->selectedItems();
    for (QGraphicsItem *gi : selected) {
        if (gi->type() == OpticalItem::Type)
            result.append(static_cast<OpticalItem *>(gi)->uuid());
    }
    std::sort(result.begin(), result.end(),
              [](const QUuid &a, const QUuid &b) { return a.toString() < b.toString(); });
    return result;
}

bool HostScene::validateData(const QString &type, const QJsonObject &data,
                             QString *errorString)
{
    const QJsonObject defaults = OpticalItem::defaultData(type);
    for (auto it = data.begin(); it != data.end(); ++it) {
        const QString &key = it.key();
        if (OpticalItem::isPoseKey(key)) {
            if (!it.value().isDouble() || !std::isfinite(it.value().toDouble()))
                return fail(errorString, QStringLiteral("%1 must be a number.").arg(key));
            continue;
        }
        // Known parameters keep their kind, so the drawing and the properties
        // dialog can rely on it; unknown keys are kept as given.
        const QJsonValue def = defaults.value(key);
        if (!def.isUndefined() && def.type() != it.value().type())
            return fail(errorString, QStringLiteral("%1 must be %2, not %3.")
                                         .arg(key, jsonTypeName(def), jsonTypeName(it.value())));
    }
    return true;
}

bool HostScene::addItem(const SceneItem &item, ChangeOrigin origin, QString *errorString)
{
    if (item.uuid.isNull())
        return fail(errorString, QStringLiteral("Item id must not be null."));
    if (m_items.contains(item.uuid))
        return fail(errorString,
                    QStringLiteral("An item with id %1 already exists.").arg(idText(item.uuid)));
    if (item.type.trimmed().isEmpty())
        return fail(errorString, QStringLiteral("Item type must not be empty."));
    if (!validateData(item.type, item.data, errorString))
        return false;

    // Stored as given (data fidelity): no defaults are invented, so what we
    // report equals what the sender has. Drawing falls back on its own.
    if (origin == ChangeOrigin::Local)
        m_undoStack->push(new AddItemCommand(this, item));
    else
        applyAdd(item, origin);
    return true;
}

bool HostScene::moveItem(const QUuid &uuid, double xMm, double yMm, double angleDeg,
                         ChangeOrigin origin, QString *errorString)
{
    const OpticalItem *it = m_items.value(uuid);
    if (!it)
        return fail(errorString, QStringLiteral("No item with id %1.").arg(idText(uuid)));
    if (!std::isfinite(xMm))
        return fail(errorString, QStringLiteral("x_mm must be a finite number."));
    if (!std::isfinite(yMm))
        return fail(errorString, QStringLiteral("y_mm must be a finite number."));
    if (!std::isfinite(angleDeg))
        return fail(errorString, QStringLiteral("angle_deg must be a finite number."));

    const OpticalItem::Pose from = it->pose();
    const OpticalItem::Pose to{xMm, yMm, angleDeg};
    if (from == to)
        return true; // nothing changed: no notification, no undo entry
    if (origin == ChangeOrigin::Local)
        m_undoStack->push(new MoveItemCommand(this, uuid, from, to));
    else
        applyMove(uuid, to, origin);
    return true;
}

bool HostScene::updateItem(const QUuid &uuid, const QJsonObject &data, ChangeOrigin origin,
                           QString *errorString)
{
    const OpticalItem *it = m_items.value(uuid);
    if (!it)
        return fail(errorString, QStringLiteral("No item with id %1.").arg(idText(uuid)));
    if (!validateData(it->itemType(), data, errorString))
        return false;

    // Keep only what really changes; remember the previous values for undo.
    const QJsonObject current = it->itemData();
    QJsonObject before, after;
    QStringList absentBefore;
    for (auto kv = data.begin(); kv != data.end(); ++kv) {
        const QJsonValue old = current.value(kv.key());
        if (old == kv.value())
            continue;
        after.insert(kv.key(), kv.value());
        if (old.isUndefined())
            absentBefore.append(kv.key());
        else
            before.insert(kv.key(), old);
    }
    if (after.isEmpty())
        return true; // nothing changed: no notification, no undo entry
    if (origin == ChangeOrigin::Local)
        m_undoStack->push(new UpdateItemCommand(this, uuid, before, absentBefore, after));
    else
        applyPatch(uuid, after, {}, origin);
    return true;
}

bool HostScene::removeItem(const QUuid &uuid, ChangeOrigin origin, QString *errorString)
{
    const OpticalItem *it = m_items.value(uuid);
    if (!it)
        return fail(errorString, QStringLiteral("No item with id %1.").arg(idText(uuid)));
    if (origin == ChangeOrigin::Local)
        m_undoStack->push(new RemoveItemCommand(this, it->sceneItem()));
    else
        applyRemove(uuid, origin);
    return true;
}

bool HostScene::removeKeys(const QUuid &uuid, const QStringList &keys, ChangeOrigin origin, QString *errorString)
{
    const OpticalItem *it = m_items.value(uuid);
    if (!it)
        return fail(errorString, QStringLiteral("No item with id %1.").arg(idText(uuid)));
    const QJsonObject current = it->itemData();
    QJsonObject before;
    QStringList removed;
    for (const QString &key : keys) {
        if (OpticalItem::isPoseKey(key))
            return fail(errorString, QStringLiteral("%1 cannot be deleted.").arg(key));
        if (current.contains(key) && !removed.contains(key)) {
            before.insert(key, current.value(key));
            removed.append(key);
        }
    }
    if (removed.isEmpty())
        return true; // nothing changed: no notification, no undo entry
    if (origin == ChangeOrigin::Local)
        m_undoStack->push(new UpdateItemCommand(this, uuid, before, {}, {}, removed));
    else
        applyPatch(uuid, {}, removed, origin);
    return true;
}

void HostScene::addKeysObserver(Optiverse::ISceneKeysObserver *observer)
{
    if (observer && !m_keysObservers.contains(observer))
        m_keysObservers.append(observer);
}

void HostScene::removeKeysObserver(Optiverse::ISceneKeysObserver *observer)
{
    m_keysObservers.removeAll(observer);
}

double HostScene::nextZValue() const
{
    if (m_items.isEmpty())
        return 0.0;
    double top = -std::numeric_limits<double>::infinity();
    for (const OpticalItem *it : m_items)
        top = std::max(top, it->itemData().value(QLatin1String("z_value")).toDouble(0.0));
    return std::floor(top) + 1.0;
}

void HostScene::addObserver(ISceneObserver *observer)
{
    if (observer && !m_observers.contains(observer))
        m_observers.append(observer);
}

void HostScene::removeObserver(ISceneObserver *observer)
{
    m_observers.removeAll(observer);
}

template<typename F>
void HostScene::notify(F &&hook)
{
    // Iterate a copy and re-check membership: an observer may unregister
    // itself (or another) from inside a hook.
    const QList<ISceneObserver *> observers = m_observers;
    for (ISceneObserver *o : observers) {
        if (m_observers.contains(o))
            hook(o);
    }
}

void HostScene::beginBulkChange()
{
    if (m_bulkDepth++ == 0) {
        // Indexing every insertion into the BSP tree is the costly part of a
        // large add; without an index, inserts are O(1) and the tree is built
        // once at the end.
        m_scene->setItemIndexMethod(QGraphicsScene::NoIndex);
        emit bulkChangeStarted();
    }
}

void HostScene::endBulkChange()
{
    if (m_bulkDepth == 0)
        return;
    if (--m_bulkDepth == 0) {
        m_scene->setItemIndexMethod(QGraphicsScene::BspTreeIndex);
        const QRectF bounds = m_scene->itemsBoundingRect().adjusted(-100, -100, 100, 100);
        if (!m_scene->sceneRect().contains(bounds))
            m_scene->setSceneRect(m_scene->sceneRect().united(bounds));
        emit bulkChangeFinished();
    }
}

bool HostScene::applyAdd(const SceneItem &item, ChangeOrigin origin)
{
    if (item.uuid.isNull() || m_items.contains(item.uuid))
        return false;
    auto *gi = new OpticalItem(this, item);
    m_items.insert(item.uuid, gi);
    m_scene->addItem(gi);
    if (m_bulkDepth == 0 && !m_scene->sceneRect().contains(gi->sceneBoundingRect()))
        m_scene->setSceneRect(m_scene->sceneRect().united(gi->sceneBoundingRect().adjusted(-100, -100, 100, 100)));
    const SceneItem added = gi->sceneItem();
    notify([&](ISceneObserver *o) { o->itemAdded(added, origin); });
    return true;
}

bool HostScene::applyMove(const QUuid &uuid, const OpticalItem::Pose &pose, ChangeOrigin origin,
                          bool notifyIfUnchanged)
{
    OpticalItem *gi = m_items.value(uuid);
    if (!gi)
        return false;
    if (gi->pose() == pose && !notifyIfUnchanged)
        return true;
    QJsonObject data = gi->itemData();
    data.insert(OpticalItem::xKey(), pose.xMm);
    data.insert(OpticalItem::yKey(), pose.yMm);
    data.insert(OpticalItem::angleKey(), pose.angleDeg);
    gi->setItemData(data);
    const SceneItem moved = gi->sceneItem();
    notify([&](ISceneObserver *o) { o->itemMoved(moved, origin); });
    return true;
}

bool HostScene::applyPatch(const QUuid &uuid, const QJsonObject &set, const QStringList &remove,
                           ChangeOrigin origin)
{
    OpticalItem *gi = m_items.value(uuid);
    if (!gi)
        return false;
    QJsonObject data = gi->itemData();
    QStringList changed, removed;
    for (auto kv = set.begin(); kv != set.end(); ++kv) {
        if (data.value(kv.key()) != kv.value()) {
            data.insert(kv.key(), kv.value());
            changed.append(kv.key());
        }
    }
    for (const QString &key : remove) {
        if (data.contains(key) && !OpticalItem::isPoseKey(key)) {
            data.remove(key);
            removed.append(key);
        }
    }
    if (changed.isEmpty() && removed.isEmpty())
        return true;
    gi->setItemData(data);
    const SceneItem updated = gi->sceneItem();
    const bool onlyPose = removed.isEmpty() && std::all_of(changed.cbegin(), changed.cend(), &OpticalItem::isPoseKey);
    if (onlyPose) {
        notify([&](ISceneObserver *o) { o->itemMoved(updated, origin); });
        return true;
    }
    // ISceneKeys order: deleted keys first, then the 1.0 notification, whose
    // changedKeys only names keys the data has.
    if (!removed.isEmpty()) {
        const QList<Optiverse::ISceneKeysObserver *> keysObservers = m_keysObservers;
        for (Optiverse::ISceneKeysObserver *o : keysObservers)
            if (m_keysObservers.contains(o))
                o->itemKeysRemoved(updated, removed, origin);
    }
    notify([&](ISceneObserver *o) { o->itemUpdated(updated, changed, origin); });
    return true;
}

bool HostScene::applyRemove(const QUuid &uuid, ChangeOrigin origin)
{
    OpticalItem *gi = m_items.take(uuid);
    if (!gi)
        return false;
    const SceneItem last = gi->sceneItem();
    const bool wasDragged = m_dragStart.remove(uuid) > 0;
    m_scene->removeItem(gi);
    delete gi;
    if (wasDragged) // the drag of a vanished item is over
        notify([&](ISceneObserver *o) { o->itemDragStateChanged(uuid, false); });
    notify([&](ISceneObserver *o) { o->itemRemoved(last, origin); });
    return true;
}

void HostScene::itemDraggedByUser(OpticalItem *item)
{
    const QUuid uuid = item->uuid();
    if (!m_dragStart.contains(uuid)) {
        m_dragStart.insert(uuid, item->pose()); // data still holds the pose at press
        notify([&](ISceneObserver *o) { o->itemDragStateChanged(uuid, true); });
    }
    // Intermediate poses are broadcast but stay off the undo stack; the
    // release pushes one command for the whole drag.
    item->syncPoseFromPosition();
    const SceneItem moved = item->sceneItem();
    notify([&](ISceneObserver *o) { o->itemMoved(moved, ChangeOrigin::Local); });
}

void HostScene::finishUserDrag()
{
    if (m_dragStart.isEmpty())
        return;
    const QHash<QUuid, OpticalItem::Pose> dragged = std::exchange(m_dragStart, {});
    const bool macro = dragged.size() > 1;
    if (macro)
        m_undoStack->beginMacro(tr("Move %n item(s)", nullptr, int(dragged.size())));
    for (auto it = dragged.begin(); it != dragged.end(); ++it) {
        const OpticalItem *gi = m_items.value(it.key());
        if (!gi)
            continue;
        // The item is already at its final pose; the command's first redo()
        // reports it anyway, so observers see exactly one final move.
        m_undoStack->push(new MoveItemCommand(this, it.key(), it.value(), gi->pose(), true));
    }
    if (macro)
        m_undoStack->endMacro();
    for (auto it = dragged.begin(); it != dragged.end(); ++it) {
        const QUuid uuid = it.key();
        if (m_items.contains(uuid))
            notify([&](ISceneObserver *o) { o->itemDragStateChanged(uuid, false); });
    }
}

bool HostScene::eventFilter(QObject *watched, QEvent *event)
{
    // The release is seen here rather than in the item: with several items
    // selected, or if the grabbed item is removed, no single item gets it.
    if (watched == m_scene && event->type() == QEvent::GraphicsSceneMouseRelease) {
        auto *me = static_cast<QGraphicsSceneMouseEvent *>(event);
        if (me->buttons() == Qt::NoButton)
            finishUserDrag();
    }
    return QObject::eventFilter(watched, event);
}

QJsonObject HostScene::toJson() const
{
    QList<const OpticalItem *> sorted;
    sorted.reserve(m_items.size());
    for (const OpticalItem *it : m_items)
        sorted.append(it);
    std::sort(sorted.begin(), sorted.end(), [](const OpticalItem *a, const OpticalItem *b) {
        return uuidText(a->uuid()) < uuidText(b->uuid());
    });
    QJsonArray array;
    for (const OpticalItem *it : sorted) {
        array.append(QJsonObject{{QStringLiteral("item_uuid"), uuidText(it->uuid())},
                                 {QStringLiteral("item_type"), it->itemType()},
                                 {QStringLiteral("data"), it->itemData()}});
    }
    return QJsonObject{{QStringLiteral("items"), array}};
}

// ---- IUndoHost ------------------------------------------------------------------

void HostScene::addUndoGuard(Optiverse::IUndoGuard *guard)
{
    if (guard && !m_undoGuards.contains(guard))
        m_undoGuards.append(guard);
}

void HostScene::removeUndoGuard(Optiverse::IUndoGuard *guard)
{
    m_undoGuards.removeAll(guard);
}

void HostScene::undo()
{
    if (m_undoStack->canUndo())
        runStep(Optiverse::UndoDirection::Undo);
}

void HostScene::redo()
{
    if (m_undoStack->canRedo())
        runStep(Optiverse::UndoDirection::Redo);
}

void HostScene::runStep(Optiverse::UndoDirection direction)
{
    const bool undoing = direction == Optiverse::UndoDirection::Undo;
    m_step = {};
    m_step.stepId = m_nextStepId++;
    m_step.direction = direction;
    m_step.text = undoing ? m_undoStack->undoText() : m_undoStack->redoText();
    m_skippedCommands.clear();
    m_inStep = true;
    if (undoing)
        m_undoStack->undo();
    else
        m_undoStack->redo();
    m_inStep = false;
    m_stepCurrent = true;
    const QList<Optiverse::IUndoGuard *> guards = m_undoGuards;
    for (Optiverse::IUndoGuard *g : guards)
        if (m_undoGuards.contains(g))
            g->undoStepFinished(m_step);
}

Optiverse::UndoVerdict HostScene::reviewUndoChange(const Optiverse::UndoChange &change,
                                                   Optiverse::UndoDirection direction)
{
    Optiverse::UndoVerdict all;
    const QList<Optiverse::IUndoGuard *> guards = m_undoGuards;
    for (Optiverse::IUndoGuard *g : guards) {
        if (!m_undoGuards.contains(g))
            continue;
        const Optiverse::UndoVerdict v = g->reviewUndoChange(change, direction);
        all.skip = all.skip || v.skip;
        for (const QString &k : v.skippedKeys)
            if (change.keys.contains(k) && !all.skippedKeys.contains(k))
                all.skippedKeys.append(k);
    }
    return all;
}

void HostScene::noteUndoApplied(const Optiverse::UndoChange &change)
{
    m_step.applied.append(change);
}

void HostScene::noteUndoSkipped(UndoableCommand *command, const Optiverse::UndoChange &change)
{
    m_step.skipped.append(change);
    if (!m_skippedCommands.contains(command))
        m_skippedCommands.append(command);
}

void HostScene::noteUndoImpossible(const Optiverse::UndoChange &change)
{
    m_step.impossible.append(change);
}

bool HostScene::applySkipped(quint64 stepId, QString *errorString)
{
    if (!m_stepCurrent || stepId != m_step.stepId)
        return fail(errorString, tr("Too late: the undo history changed since."));
    if (m_skippedCommands.isEmpty())
        return fail(errorString, tr("Nothing was left out of that step."));
    // The commands stay on the stack: it has not changed since the step.
    const QList<UndoableCommand *> commands = std::exchange(m_skippedCommands, {});
    for (UndoableCommand *c : commands)
        c->applySkipped();
    m_step.applied += m_step.skipped;
    m_step.skipped.clear();
    return true;
}
