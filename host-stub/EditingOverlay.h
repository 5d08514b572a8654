// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/ieditinghost.h>
#include <optiverse/isceneobserver.h>

#include <QHash>
#include <QObject>

class HostScene;
class QGraphicsPathItem;
class QGraphicsSimpleTextItem;

/**
 * The host's IEditingHost: each remote user's items being edited are outlined
 * (dashed, in their colour) with "alice is editing" above them; the items the
 * local user has open in Edit Properties… are reported to observers.
 *
 * Like PresenceOverlay, overlays are plain QGraphicsItems, never OpticalItems,
 * and follow their items by observing the scene.
 */
class EditingOverlay : public QObject, public Optiverse::IEditingHost, private Optiverse::ISceneObserver
{
    Q_OBJECT
public:
    explicit EditingOverlay(HostScene *scene, QObject *parent = nullptr);
    ~EditingOverlay() override;

    // IEditingHost
    void setRemoteEditing(const QString &userKey, const QString &displayName, const QColor &color,
                          const QList<QUuid> &uuids) override;
    void clearRemoteEditing() override;
    QList<QUuid> localEditing() const override { return m_local; }
    void addEditingObserver(Optiverse::IEditingObserver *observer) override;
    void removeEditingObserver(Optiverse::IEditingObserver *observer) override;

    /// The host's properties dialog opened (true) or closed on @p uuid.
    void setLocallyOpen(const QUuid &uuid, bool open);
    /// Names of the remote users editing @p uuid now, sorted.
    QStringList editorsOf(const QUuid &uuid) const;

    // For tests and the UI.
    QGraphicsPathItem *outline(const QString &userKey) const;
    QGraphicsSimpleTextItem *label(const QString &userKey) const;

signals:
    /// Some remote user's edited items changed (the dialog's banner follows).
    void remoteEditingChanged();

private:
    struct Editing
    {
        QString name;
        QColor color;
        QList<QUuid> uuids;
        QGraphicsPathItem *outline = nullptr;
        QGraphicsSimpleTextItem *label = nullptr;
    };

    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys,
                     Optiverse::ChangeOrigin origin) override;
    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemChanged(const QUuid &uuid);
    void refresh(Editing &editing);
    void remove(const QString &userKey);

    HostScene *m_scene;
    QHash<QString, Editing> m_editing;
    QList<QUuid> m_local;
    QList<Optiverse::IEditingObserver *> m_observers;
};
