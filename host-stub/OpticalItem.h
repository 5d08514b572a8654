// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/sceneitem.h>

#include <QFont>
#include <QGraphicsItem>
#include <QJsonObject>
#include <QPainterPath>
#include <QStringList>
#include <QUuid>

class HostScene;

/**
 * One item of the optical table as drawn in the QGraphicsScene.
 *
 * The item's JSON data is the single source of truth: position and rotation
 * are derived from x_mm / y_mm / angle_deg (1 scene unit = 1 mm), so what the
 * scene reports through IScene always matches what the user sees.
 */
class OpticalItem : public QGraphicsItem
{
public:
    /// A pose in millimetres and degrees.
    struct Pose
    {
        double xMm = 0.0;
        double yMm = 0.0;
        double angleDeg = 0.0;
        bool operator==(const Pose &o) const
        {
            return xMm == o.xMm && yMm == o.yMm && angleDeg == o.angleDeg;
        }
        bool operator!=(const Pose &o) const { return !(*this == o); }
    };

    enum { Type = UserType + 0x4f56 };

    OpticalItem(HostScene *owner, const Optiverse::SceneItem &item);

    int type() const override { return Type; }

    QUuid uuid() const { return m_uuid; }
    QString itemType() const { return m_type; }
    QJsonObject itemData() const { return m_data; }
    Optiverse::SceneItem sceneItem() const { return {m_uuid, m_type, m_data}; }
    Pose pose() const;

    /// Replaces the data and re-derives pose and geometry. Does not report
    /// anything: HostScene owns notifications.
    void setItemData(const QJsonObject &data);

    /// Copies the current on-screen position into x_mm / y_mm (used while the
    /// user drags; the position already changed, only the data follows).
    void syncPoseFromPosition();

    QRectF boundingRect() const override;
    void paint(QPainter *painter, const QStyleOptionGraphicsItem *option,
               QWidget *widget) override;

    /// Data every new item of @p type starts with (pose keys included).
    static QJsonObject defaultData(const QString &type);
    /// The types the host draws specifically; anything else is a labelled box.
    static QStringList knownTypes();
    static bool isPoseKey(const QString &key);
    static QString xKey();
    static QString yKey();
    static QString angleKey();

protected:
    QVariant itemChange(GraphicsItemChange change, const QVariant &value) override;

private:
    void updateGeometry();
    double number(const char *key, double fallback) const;

    HostScene *m_owner;
    QUuid m_uuid;
    QString m_type;
    QJsonObject m_data;
    QPainterPath m_outline;
    QRectF m_bounds;
    QRectF m_textRect;
    QString m_text;
    QFont m_font;
    bool m_filled = false;
    bool m_applyingData = false; // position changes we make are not user drags
};
