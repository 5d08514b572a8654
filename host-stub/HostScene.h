// SPDX-License-Identifier: MIT
#pragma once

#include "OpticalItem.h"

#include <optiverse/iscene.h>
#include <optiverse/iscenekeys.h>
#include <optiverse/iscenekeysobserver.h>
#include <optiverse/isceneobserver.h>
#include <optiverse/iundohost.h>
#include <optiverse/undostep.h>

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QUuid>

class QGraphicsScene;
class QUndoStack;
class UndoableCommand;

namespace Optiverse {
class IUndoGuard;
}

/**
 * The host's IScene: a QGraphicsScene of OpticalItems plus the command API.
 *
 * Local commands are pushed on the QUndoStack (the command's redo() applies
 * them); Remote ones are applied directly, so the stack only ever holds the
 * local user's edits. The apply*() methods are the single place where the
 * scene changes and observers are told, used by both paths and by undo/redo.
 *
 * Data fidelity: an item's data is stored and reported exactly as added or
 * updated; drawing falls back to type defaults without writing them into the
 * data. Items the user inserts from the menu get their defaults (and a
 * z_value on top of the others) in their data, so every peer has them.
 * Stacking: an item's "z_value" (a number, as in the original Optiverse)
 * orders drawing, higher on top.
 *
 * Undo and redo (undo(), redo(): Edit > Undo / Redo) ask the IUndoHost
 * guards about each item a step changes; the commands apply what is
 * allowed and tell the scene (note*()), which reports the step to the guards.
 */
class HostScene : public QObject, public Optiverse::IScene, public Optiverse::ISceneKeys, public Optiverse::IUndoHost
{
    Q_OBJECT
public:
    explicit HostScene(QObject *parent = nullptr);
    ~HostScene() override;

    // IScene
    QList<Optiverse::SceneItem> items() const override;
    Optiverse::SceneItem item(const QUuid &uuid) const override;
    bool addItem(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin,
                 QString *errorString) override;
    bool moveItem(const QUuid &uuid, double xMm, double yMm, double angleDeg,
                  Optiverse::ChangeOrigin origin, QString *errorString) override;
    bool updateItem(const QUuid &uuid, const QJsonObject &data, Optiverse::ChangeOrigin origin,
                    QString *errorString) override;
    bool removeItem(const QUuid &uuid, Optiverse::ChangeOrigin origin,
                    QString *errorString) override;
    void addObserver(Optiverse::ISceneObserver *observer) override;
    void removeObserver(Optiverse::ISceneObserver *observer) override;
    void beginBulkChange() override;
    void endBulkChange() override;

    // ISceneKeys
    bool removeKeys(const QUuid &uuid, const QStringList &keys, Optiverse::ChangeOrigin origin,
                    QString *errorString) override;
    void addKeysObserver(Optiverse::ISceneKeysObserver *observer) override;
    void removeKeysObserver(Optiverse::ISceneKeysObserver *observer) override;

    // IUndoHost
    void addUndoGuard(Optiverse::IUndoGuard *guard) override;
    void removeUndoGuard(Optiverse::IUndoGuard *guard) override;
    bool applySkipped(quint64 stepId, QString *errorString) override;

    /// Edit > Undo / Redo: one step of the undo stack, reviewed by the guards.
    void undo();
    void redo();
    /// For undo commands: what the guards leave out of @p change (none without guards).
    Optiverse::UndoVerdict reviewUndoChange(const Optiverse::UndoChange &change, Optiverse::UndoDirection direction);
    void noteUndoApplied(const Optiverse::UndoChange &change);
    void noteUndoSkipped(UndoableCommand *command, const Optiverse::UndoChange &change);
    void noteUndoImpossible(const Optiverse::UndoChange &change);
    /// The last step's report (what the guards were told), for tests.
    const Optiverse::UndoReport &lastUndoReport() const { return m_step; }

    /// A z_value above every item's (0 for an empty scene), for a new item on top.
    double nextZValue() const;

    QGraphicsScene *graphicsScene() const { return m_scene; }
    QUndoStack *undoStack() const { return m_undoStack; }
    OpticalItem *findItem(const QUuid &uuid) const { return m_items.value(uuid); }
    int count() const { return int(m_items.size()); }
    bool isInBulkChange() const { return m_bulkDepth > 0; }
    /// UUIDs of the selected items, sorted.
    QList<QUuid> selectedUuids() const;

    /// {"items":[{"item_uuid","item_type","data"}]} sorted by item_uuid (for --dump-scene).
    QJsonObject toJson() const;
    /// Checks @p data for an item of @p type: pose keys are finite numbers and
    /// the type's known parameters keep their JSON kind. Unknown keys pass.
    static bool validateData(const QString &type, const QJsonObject &data, QString *errorString);
    /// The uuid as written in dumps and scripts: no braces.
    static QString uuidText(const QUuid &uuid);

    // Direct application + notification; return false (changing nothing) when
    // the item is missing (add: already present). Used by undo commands.
    bool applyAdd(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin);
    bool applyMove(const QUuid &uuid, const OpticalItem::Pose &pose,
                   Optiverse::ChangeOrigin origin, bool notifyIfUnchanged = false);
    /// Sets the keys of @p set and removes @p remove; reports only keys that really changed.
    bool applyPatch(const QUuid &uuid, const QJsonObject &set, const QStringList &remove,
                    Optiverse::ChangeOrigin origin);
    bool applyRemove(const QUuid &uuid, Optiverse::ChangeOrigin origin);

    /// Called by OpticalItem when the mouse moved it (interactive drag).
    void itemDraggedByUser(OpticalItem *item);

signals:
    void bulkChangeStarted();
    void bulkChangeFinished();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    template<typename F>
    void notify(F &&hook);
    void runStep(Optiverse::UndoDirection direction);
    void finishUserDrag();

    QGraphicsScene *m_scene;
    QUndoStack *m_undoStack;
    QHash<QUuid, OpticalItem *> m_items; // O(1) lookup for every command
    QList<Optiverse::ISceneObserver *> m_observers;
    QList<Optiverse::ISceneKeysObserver *> m_keysObservers;
    QHash<QUuid, OpticalItem::Pose> m_dragStart; // items being dragged -> pose at press
    int m_bulkDepth = 0;

    // IUndoHost: the guards, the step being done or last done, and the
    // commands that left something out of it (valid until the stack changes).
    QList<Optiverse::IUndoGuard *> m_undoGuards;
    Optiverse::UndoReport m_step;
    QList<UndoableCommand *> m_skippedCommands;
    bool m_inStep = false;
    bool m_stepCurrent = false;
    quint64 m_nextStepId = 1;
};
